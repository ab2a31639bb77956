"""What ``marketplace up`` runs: every service that exists in this checkout, its worker and the router."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from marketplace.edge import Edge, ensure_certificate, nginx_version
from marketplace.edge_config import EdgeConfig, Upstream
from marketplace.processes import ProcessSpec
from marketplace.settings import LauncherSettings

SERVICES: tuple[str, ...] = ("users", "products", "orders")
REPLICA_PORT_STEP = 100  # replica i of a service listens on its port + i * 100 (4001, 4101, ...)
ROOT = Path(__file__).resolve().parent.parent


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def available_services() -> list[str]:
    return [service for service in SERVICES if module_exists(f"subgraphs.{service}.app")]


@dataclass(frozen=True)
class Stack:
    """The processes of one run, in start order: subgraphs, then workers, then the router."""

    subgraphs: list[ProcessSpec]
    workers: list[ProcessSpec]
    routers: list[ProcessSpec]

    @property
    def all(self) -> list[ProcessSpec]:
        return [*self.subgraphs, *self.workers, *self.routers]


def base_env(settings: LauncherSettings, database_url: str, broker_url: str, balanced: bool = False) -> dict[str, str]:
    """The environment of every child; with ``balanced``, each subgraph URL is the edge's upstream
    for that subgraph (every instance reachable), else its first instance."""
    env = {
        "MARKETPLACE_DATA_DIR": str(settings.data_dir.resolve()),
        "MARKETPLACE_DATABASE_URL": database_url,
        "MARKETPLACE_BROKER_URL": broker_url,
        "MARKETPLACE_ENV": settings.environment.value,
        "MARKETPLACE_HOST": settings.host,
    }
    for service in SERVICES:
        port = settings.balancer_port(service) if balanced else settings.service_port(service)
        env[f"MARKETPLACE_{service.upper()}_URL"] = f"http://{settings.host}:{port}"
        own_url = getattr(settings, f"{service}_database_url")
        if own_url:
            env[f"MARKETPLACE_{service.upper()}_DATABASE_URL"] = str(own_url)
    env["MARKETPLACE_ROUTER_URL"] = f"http://{settings.host}:{settings.router_port}"
    env.update(bytecode_env(settings.data_dir))
    if balanced:
        # Behind the edge an instance drains before it stops (see servicekit/serve.py), longer than
        # nginx keeps an idle connection to it (2 s): a rolling restart then costs no request.
        env.setdefault("MARKETPLACE_DRAIN_SECONDS", os.environ.get("MARKETPLACE_DRAIN_SECONDS", "3"))
        env.setdefault("MARKETPLACE_DRAIN_STOP_LISTENING", os.environ.get("MARKETPLACE_DRAIN_STOP_LISTENING", "true"))
    return env


EDGE_ROUTER_CONFIG = "router-behind-edge.yaml"


def bytecode_env(data_dir: Path, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Children keep their compiled bytecode, in the data folder, even under ``PYTHONDONTWRITEBYTECODE``.

    Without bytecode every start compiles each module from source again (about 350 for a router,
    0.4 s of CPU of its 1 s of imports), and a restarted process serves that much later. The
    variable is usually set to keep ``__pycache__`` folders out of a source tree or an image; the
    bytecode goes to ``<data folder>/bytecode`` (``PYTHONPYCACHEPREFIX``), which the launcher owns,
    so that wish is still kept. Without the variable nothing changes.
    """
    if not environ.get("PYTHONDONTWRITEBYTECODE"):
        return {}
    return {"PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str((data_dir / "bytecode").resolve())}


def router_workers(replicas: int, cores: int | None = None) -> int:
    """Worker processes per router instance: the machine's cores shared among the instances (at least
    one each). Two replicas of two workers on two cores would oversubscribe them: a restarted router
    then competes with three other router processes while it imports and composes, and took 16-20 s
    to serve again under the chaos tests' load where one worker takes 5-10 s."""
    usable = cores if cores is not None else len(os.sched_getaffinity(0))
    return max(1, usable // max(1, replicas))


def edge_router_config(settings: LauncherSettings) -> Path | None:
    """The router.yaml for routers behind the edge: nginx (on the launcher's host) is a trusted proxy,
    so the client address the routers see, throttle logins by and pass to the subgraphs is the one
    nginx read off the connection, not nginx's own (every client would share it). An operator's own
    ``MARKETPLACE_ROUTER_CONFIG`` wins (it must then list the edge in ``trusted_proxies`` itself)."""
    if os.environ.get("MARKETPLACE_ROUTER_CONFIG"):
        return None
    path = settings.data_dir.resolve() / EDGE_ROUTER_CONFIG
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"# Written by `marketplace up` for routers behind its nginx edge.\ntrusted_proxies:\n  - {settings.host}\n",
        encoding="utf-8",
    )
    return path


def plan_stack(
    settings: LauncherSettings, database_url: str, broker_url: str, replicas: int = 1, balanced: bool = False
) -> Stack:
    env = base_env(settings, database_url, broker_url, balanced)
    python = sys.executable
    subgraphs, workers, routers = [], [], []
    for service in available_services():
        for index in range(replicas):
            port = settings.service_port(service) + index * REPLICA_PORT_STEP
            name = service if replicas == 1 else f"{service}-{index + 1}"
            subgraphs.append(
                ProcessSpec(
                    name=name,
                    argv=[python, "-m", "marketplace", "serve", service, "--port", str(port)],
                    env=env,
                    ready_url=f"http://{settings.host}:{port}/ready",
                    service=service,
                    port=port,
                )
            )
    if module_exists("subgraphs.orders.worker"):
        for index in range(replicas):
            name = "worker" if replicas == 1 else f"worker-{index + 1}"
            workers.append(
                ProcessSpec(name=name, argv=[python, "-m", "marketplace", "worker"], env=env, service="worker")
            )
    if module_exists("router.server") and subgraphs:
        behind_edge = edge_router_config(settings) if balanced else None
        for index in range(replicas):
            port = settings.router_port + index * REPLICA_PORT_STEP
            name = "router" if replicas == 1 else f"router-{index + 1}"
            routers.append(
                ProcessSpec(
                    name=name,
                    argv=[
                        python,
                        "-m",
                        "router",
                        "serve",
                        "--config",
                        str(ROOT / "supergraph.yaml"),
                        "--port",
                        str(port),
                        "--workers",
                        str(router_workers(replicas)),
                        *(["--router-config", str(behind_edge)] if behind_edge is not None else []),
                    ],
                    env=env,
                    ready_url=f"http://{settings.host}:{port}/ready",
                    service="router",
                    port=port,
                )
            )
    return Stack(subgraphs, workers, routers)


def plan_edge(settings: LauncherSettings, binary: str, replicas: int) -> Edge:
    """nginx over the routers and over each subgraph's instances, on the launcher's ports."""
    host = settings.host
    data_dir = settings.data_dir.resolve()
    cert, key = ensure_certificate(data_dir / "tls", host)
    subgraphs = {
        settings.balancer_port(service): Upstream(
            f"{service}_service",
            tuple(settings.service_port(service) + i * REPLICA_PORT_STEP for i in range(replicas)),
        )
        for service in available_services()
    }
    routers = Upstream(
        "marketplace_router", tuple(settings.router_port + i * REPLICA_PORT_STEP for i in range(replicas))
    )
    prefix = data_dir / "nginx"
    config = EdgeConfig(
        routers=routers,
        subgraphs=subgraphs,
        host=host,
        http_port=settings.http_port,
        https_port=settings.https_port,
        certificate=str(cert),
        certificate_key=str(key),
        http2_on_directive=nginx_version(binary) >= (1, 25, 1),
        access_log=str(prefix / "access.log"),
    )
    return Edge(binary, prefix, config)
