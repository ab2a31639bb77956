"""Without nginx (it cannot be absent on this machine, so its lookup is replaced), several replicas are
refused with one line that says how to install it; one replica runs without an edge."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from marketplace import up
from marketplace.processes import Supervisor
from marketplace.settings import EdgeMode, LauncherSettings

pytestmark = pytest.mark.foundation


def choose(monkeypatch: pytest.MonkeyPatch, replicas: int, edge: EdgeMode) -> tuple[str | None, bool, str]:
    monkeypatch.setattr(up, "find_nginx", lambda: None)

    async def run() -> tuple[str | None, bool, str]:
        output = io.StringIO()
        binary, ok = up._choose_edge(LauncherSettings(edge=edge), replicas, Supervisor(output, color=False))
        return binary, ok, output.getvalue()

    return asyncio.run(run())


def test_two_replicas_without_nginx_say_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    binary, ok, output = choose(monkeypatch, 2, EdgeMode.AUTO)
    assert (binary, ok) == (None, False)
    assert output.splitlines() == [
        "launcher   | error: nginx is not installed: apt-get install nginx (or set MARKETPLACE_EDGE=off)"
    ]


def test_one_replica_runs_without_an_edge_when_nginx_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert choose(monkeypatch, 1, EdgeMode.AUTO) == (None, True, "")
    assert choose(monkeypatch, 1, EdgeMode.ON)[1] is False


def test_the_database_url_printed_is_one_psql_accepts() -> None:
    url = up.display_database_url("postgresql+asyncpg://postgres@/marketplace?host=%2Ftmp%2Fdata%2Fpostgres")
    assert url == "postgresql://postgres@/marketplace?host=%2Ftmp%2Fdata%2Fpostgres"
    assert (
        up.display_database_url("postgresql+asyncpg://app:secret@db:5432/shop") == "postgresql://app:***@db:5432/shop"
    )


def test_routers_behind_the_edge_trust_it_and_no_one_else(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from marketplace.stack import plan_stack
    from router.server.config import load_router_config

    monkeypatch.delenv("MARKETPLACE_ROUTER_CONFIG", raising=False)
    settings = LauncherSettings(data_dir=tmp_path)
    balanced = plan_stack(settings, "postgresql://db", "redis://broker", replicas=2, balanced=True)
    for router in balanced.routers:
        config_path = router.argv[router.argv.index("--router-config") + 1]
        assert load_router_config(config_path).trusted_proxies == [settings.host]
    alone = plan_stack(settings, "postgresql://db", "redis://broker", replicas=1, balanced=False)
    assert all("--router-config" not in router.argv for router in alone.routers)


def test_an_operators_router_config_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from marketplace.stack import plan_stack

    monkeypatch.setenv("MARKETPLACE_ROUTER_CONFIG", "/etc/marketplace/router.yaml")
    stack = plan_stack(LauncherSettings(data_dir=tmp_path), "postgresql://db", "redis://broker", 2, balanced=True)
    assert all("--router-config" not in router.argv for router in stack.routers)


def test_router_workers_share_the_cores_among_the_replicas() -> None:
    from marketplace.stack import router_workers

    assert router_workers(1, cores=2) == 2
    assert router_workers(2, cores=2) == 1
    assert router_workers(3, cores=2) == 1
    assert router_workers(2, cores=8) == 4
