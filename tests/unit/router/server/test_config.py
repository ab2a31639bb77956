"""router.yaml: Apollo's keys, environment defaults, one clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.server.config import ConfigFileError, RouterConfig, load_router_config, parse_router_config

pytestmark = pytest.mark.router
ROOT = Path(__file__).resolve().parents[4]


def test_the_example_deploy_config_loads() -> None:
    config = load_router_config(ROOT / "deploy" / "router.yaml")
    assert config.supergraph.path == "/graphql"
    assert config.limits.max_depth is not None


def test_defaults_follow_the_environment() -> None:
    development = RouterConfig().resolved(production=False)
    production = RouterConfig().resolved(production=True)
    assert development.introspection
    assert development.graphiql
    assert development.includes_errors_of("users")
    assert not production.introspection
    assert not production.graphiql
    assert not production.includes_errors_of("users")


def test_explicit_values_win_over_environment_defaults() -> None:
    config = parse_router_config(
        {
            "supergraph": {"introspection": True},
            "sandbox": {"enabled": True},
            "include_subgraph_errors": {"all": False, "subgraphs": {"products": True}},
        }
    ).resolved(production=True)
    assert config.introspection
    assert config.graphiql
    assert config.includes_errors_of("products")
    assert not config.includes_errors_of("users")


def test_durations_and_sizes_use_apollo_notation() -> None:
    config = parse_router_config(
        {
            "traffic_shaping": {"all": {"timeout": "5s"}, "subgraphs": {"products": {"timeout": "250ms"}}},
            "limits": {"http_max_request_bytes": "1MB"},
        }
    )
    assert config.traffic_shaping.timeout_for("products") == 0.25
    assert config.traffic_shaping.timeout_for("users") == 5.0
    assert config.limits.http_max_request_bytes == 1_000_000


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"limits": {"max_depth": 0}}, "limits.max_depth: must be a positive integer"),
        ({"limit": {}}, "limit: unknown key"),
        ({"supergraph": {"listen": "4000"}}, "supergraph.listen: must be HOST:PORT"),
        ({"traffic_shaping": {"all": {"timeout": "soon"}}}, "traffic_shaping.all.timeout: must be a duration"),
        ({"headers": {"all": {"request": [{"propagate": {}}]}}}, "exactly one of named or matching"),
        ({"cors": {"match_origins": ["("]}}, "is not a regular expression"),
        ({"persisted_queries": {"enabled": True}}, "local_manifests"),
        ({"telemetry": {"exporters": {"tracing": {"otlp": {"protocol": "grpc"}}}}}, "only the http protocol"),
        ({"telemetry": {"exporters": {"tracing": {"otlp": {"endpoint": "collector:4318"}}}}}, "http(s):// URL"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigFileError) as caught:
        parse_router_config(raw, "router.yaml")
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith("router.yaml: ")
    assert message in text


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="cannot read router configuration"):
        load_router_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("limits: [")
    with pytest.raises(ConfigFileError, match="not valid YAML"):
        load_router_config(bad)
