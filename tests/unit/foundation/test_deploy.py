"""The deployment files stay loadable by what reads them (nginx's own check is in tests/integration/edge)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from router.cli import build_parser
from router.server.config import load_router_config

pytestmark = pytest.mark.foundation
DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def test_the_example_router_config_is_valid_and_lets_browsers_use_every_rest_method() -> None:
    config = load_router_config(str(DEPLOY / "router.yaml"))
    assert {"PUT", "PATCH", "DELETE"} <= set(config.cors.methods)
    assert "Location" in config.cors.expose_headers


def test_compose_and_kubernetes_files_parse_and_run_every_process_kind() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"users", "products", "orders", "worker", "router", "nginx", "migrate"} <= set(compose["services"])
    documents = [doc for doc in yaml.safe_load_all((DEPLOY / "k8s" / "base" / "marketplace.yaml").read_text()) if doc]
    deployments = {doc["metadata"]["name"] for doc in documents if doc["kind"] == "Deployment"}
    assert deployments == {"users", "products", "orders", "router", "order-worker"}
    for doc in documents:
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] != "order-worker":
            container = doc["spec"]["template"]["spec"]["containers"][0]
            assert container["readinessProbe"]["httpGet"]["path"] == "/ready"


def test_compose_routers_run_one_process_per_replica() -> None:
    """Production's default is a worker per usable core of the host: with two replicas on one host that
    would be twice as many router processes as cores."""
    router = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]["router"]
    assert router["command"][:4] == ["python", "-m", "router", "serve"]
    assert build_parser().parse_args(router["command"][3:]).workers == 1
