"""The edge config has one source: the deployed example is the launcher's rendering with default ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.edge_config import EdgeConfig, Upstream, default_config, render

pytestmark = pytest.mark.foundation
DEPLOYED = Path(__file__).resolve().parents[3] / "deploy" / "nginx" / "marketplace.conf"


def test_the_deployed_config_is_the_rendering_of_the_defaults() -> None:
    assert DEPLOYED.read_text() == render(default_config()), (
        "regenerate it: python -m marketplace.edge_config > deploy/nginx/marketplace.conf"
    )


def test_the_config_follows_the_real_ports_and_marks_instances_down() -> None:
    config = EdgeConfig(
        routers=Upstream("marketplace_router", (5000, 5100), down=frozenset({5100})),
        subgraphs={5091: Upstream("users_service", (5001, 5101))},
        http_port=5080,
        https_port=5443,
        certificate="/data/tls/server.crt",
        certificate_key="/data/tls/server.key",
    )
    text = render(config)
    assert "server 127.0.0.1:5000 max_fails=3 fail_timeout=2s;" in text
    assert "server 127.0.0.1:5100 max_fails=3 fail_timeout=2s down;" in text
    assert "server 127.0.0.1:5001 max_fails=0;" in text  # a subgraph instance: never marked failed
    assert "listen 127.0.0.1:5443 ssl http2;" in text
    assert "return 301 https://$host:5443$request_uri;" in text
    assert "listen 127.0.0.1:5091;" in text
    assert "server 127.0.0.1:5101 " in text
    assert "ssl_certificate     /data/tls/server.crt;" in text
    # nginx never passes a request that was sent to another server unless told so: it must not be told
    assert "non_idempotent" not in text
    assert "http2 on;" in render(EdgeConfig(routers=config.routers, http2_on_directive=True))
