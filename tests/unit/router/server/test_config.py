"""router.yaml: Apollo's keys, environment defaults, one clear line for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.server.config import ConfigFileError, RouterConfig, load_router_config, parse_router_config
from tests.support.certificates import make_authority

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
            "traffic_shaping": {
                "router": {"timeout": "2m"},
                "all": {"timeout": "5s"},
                "subgraphs": {"products": {"timeout": "250ms"}},
            },
            "limits": {"http_max_request_bytes": "1MB"},
        }
    )
    assert config.traffic_shaping.timeout_for("products") == 0.25
    assert config.traffic_shaping.timeout_for("users") == 5.0
    assert config.traffic_shaping.router.timeout == 120.0
    assert config.limits.http_max_request_bytes == 1_000_000


def test_the_router_timeout_is_apollos_30_seconds_unless_set_or_turned_off() -> None:
    assert RouterConfig().traffic_shaping.router.timeout == 30.0
    unbounded = parse_router_config({"traffic_shaping": {"router": {"timeout": None}}})
    assert unbounded.traffic_shaping.router.timeout is None


def test_adaptive_concurrency_is_on_with_a_minimum_of_eight_unless_set() -> None:
    default = RouterConfig().traffic_shaping.router.adaptive_concurrency
    assert (default.enabled, default.minimum) == (True, 8)
    raw = {"traffic_shaping": {"router": {"adaptive_concurrency": {"enabled": False, "minimum": 3}}}}
    chosen = parse_router_config(raw).traffic_shaping.router.adaptive_concurrency
    assert (chosen.enabled, chosen.minimum) == (False, 3)


def test_apollos_retry_budget_keys_are_read_with_towers_defaults() -> None:
    shaping = RouterConfig().traffic_shaping
    default = shaping.retry_for("users")
    assert (default.min_per_sec, default.ttl, default.retry_percent, default.retry_mutations) == (10, 10.0, 0.2, False)
    raw = {
        "traffic_shaping": {
            "all": {"experimental_retry": {"min_per_sec": 2, "ttl": "30s", "retry_percent": 0.5}},
            "subgraphs": {"products": {"experimental_retry": {"min_per_sec": 0, "retry_percent": 0}}},
        }
    }
    chosen = parse_router_config(raw).traffic_shaping
    users, products = chosen.retry_for("users"), chosen.retry_for("products")
    assert (users.min_per_sec, users.ttl, users.retry_percent) == (2, 30.0, 0.5)
    assert (products.min_per_sec, products.ttl, products.retry_percent) == (0, 10.0, 0)  # its own, whole


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"limits": {"max_depth": 0}}, "limits.max_depth: must be a positive integer"),
        ({"limit": {}}, "limit: unknown key"),
        ({"supergraph": {"listen": "4000"}}, "supergraph.listen: must be HOST:PORT"),
        ({"traffic_shaping": {"all": {"timeout": "soon"}}}, "traffic_shaping.all.timeout: must be a duration"),
        ({"traffic_shaping": {"router": {"timeout": "0s"}}}, "traffic_shaping.router.timeout: must be a positive"),
        (
            {"traffic_shaping": {"router": {"global_rate_limit": {"capacity": 0, "interval": "1s"}}}},
            "traffic_shaping.router.global_rate_limit.capacity",
        ),
        (
            {"traffic_shaping": {"all": {"global_rate_limit": {"capacity": 5, "interval": "never"}}}},
            "traffic_shaping.all.global_rate_limit.interval: must be a duration",
        ),
        (
            {"traffic_shaping": {"subgraphs": {"products": {"global_rate_limit": {"capacity": 5}}}}},
            "traffic_shaping.subgraphs.products.global_rate_limit.interval",
        ),
        (
            {"traffic_shaping": {"router": {"concurrency_limit": 0}}},
            "traffic_shaping.router.concurrency_limit: Input should be greater than or equal to 1",
        ),
        ({"traffic_shaping": {"all": {"concurrency_limit": 10}}}, "traffic_shaping.all.concurrency_limit: unknown key"),
        (
            {"traffic_shaping": {"subgraphs": {"products": {"compression": "gzip"}}}},
            "traffic_shaping.subgraphs.products.compression: Apollo Router's key, not supported",
        ),
        ({"traffic_shaping": {"all": {"dedupe": True}}}, "traffic_shaping.all.dedupe: unknown key"),
        (
            {"traffic_shaping": {"all": {"experimental_retry": {"retry_mutations": True}}}},
            "traffic_shaping.all.experimental_retry.retry_mutations: not supported: a mutation is never sent twice",
        ),
        (
            {"traffic_shaping": {"subgraphs": {"users": {"experimental_retry": {"ttl": "2m"}}}}},
            "traffic_shaping.subgraphs.users.experimental_retry.ttl: must be between 1s and 60s",
        ),
        (
            {"traffic_shaping": {"all": {"experimental_retry": {"min_per_sec": -1}}}},
            "traffic_shaping.all.experimental_retry.min_per_sec: Input should be greater than or equal to 0",
        ),
        (
            {"traffic_shaping": {"all": {"experimental_retry": {"retry_percent": -0.1}}}},
            "traffic_shaping.all.experimental_retry.retry_percent",
        ),
        (
            {"traffic_shaping": {"router": {"adaptive_concurrency": {"minimum": 0}}}},
            "traffic_shaping.router.adaptive_concurrency.minimum",
        ),
        (
            {"traffic_shaping": {"router": {"adaptive_concurrency": {"maximum": 9}}}},
            "traffic_shaping.router.adaptive_concurrency.maximum: unknown key",
        ),
        ({"headers": {"all": {"request": [{"propagate": {}}]}}}, "exactly one of named or matching"),
        ({"cors": {"match_origins": ["("]}}, "is not a regular expression"),
        ({"persisted_queries": {"enabled": True}}, "local_manifests"),
        ({"telemetry": {"exporters": {"tracing": {"otlp": {"protocol": "grpc"}}}}}, "only the http protocol"),
        ({"telemetry": {"exporters": {"tracing": {"otlp": {"endpoint": "collector:4318"}}}}}, "http(s):// URL"),
        ({"tls": {"subgraph": {"all": {"certificate_authority": "ca.pem"}}}}, "tls.subgraph.all.certificate_authority"),
        ({"tls": {"subgraph": {"all": {"client_authentication": {"key": "k"}}}}}, "chain: Field required"),
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


def test_subgraph_tls_files_are_read_from_the_configuration_folder_and_checked(tmp_path: Path) -> None:
    authority = make_authority(tmp_path / "certs")
    other = make_authority(tmp_path / "other", "other")
    config_file = tmp_path / "router.yaml"

    def load(settings: str) -> RouterConfig:
        config_file.write_text("tls:\n  subgraph:\n    all:\n" + settings)
        return load_router_config(config_file)

    chain = "      client_authentication:\n        certificate_chain: {chain}\n        key: {key}\n"
    config = load(
        "      certificate_authorities: certs/test-ca.pem\n"
        + chain.format(chain="certs/test-client.pem", key=authority.client_key)
    )
    settings = config.tls.subgraph.for_subgraph("products")
    assert settings.certificate_authorities == authority.ca  # relative to the file's folder
    assert settings.client_authentication is not None
    assert settings.client_authentication.certificate_chain == authority.client_certificate

    problems = {
        "      certificate_authorities: certs/missing.pem\n": "cannot read",
        "      certificate_authorities: certs/test-client.key\n": "holds no PEM certificate",
        chain.format(chain=authority.client_certificate, key=other.client_key): "does not belong to the first",
        chain.format(chain=authority.client_certificate, key=authority.ca): "holds no unencrypted PEM private key",
    }
    for settings_text, message in problems.items():
        with pytest.raises(ConfigFileError) as caught:
            load(settings_text)
        assert str(caught.value).startswith(f"{config_file}: tls.subgraph.all: ")
        assert message in str(caught.value)
        assert "\n" not in str(caught.value)


def test_rate_limits_read_apollos_keys_and_a_subgraph_overrides_all() -> None:
    config = parse_router_config(
        {
            "traffic_shaping": {
                "router": {"global_rate_limit": {"capacity": 100, "interval": "5s"}},
                "all": {"global_rate_limit": {"capacity": 10, "interval": "1s"}},
                "subgraphs": {"products": {"global_rate_limit": {"capacity": 2, "interval": "500ms"}}},
            }
        }
    ).traffic_shaping
    assert config.router.global_rate_limit is not None
    assert (config.router.global_rate_limit.capacity, config.router.global_rate_limit.interval) == (100, 5.0)
    products, users = config.rate_limit_for("products"), config.rate_limit_for("users")
    assert products is not None
    assert (products.capacity, products.interval) == (2, 0.5)
    assert users is not None
    assert (users.capacity, users.interval) == (10, 1.0)
    assert RouterConfig().traffic_shaping.router.global_rate_limit is None  # off unless configured
    assert RouterConfig().traffic_shaping.rate_limit_for("users") is None


def test_concurrency_limit_reads_apollos_key_and_is_off_by_default() -> None:
    config = parse_router_config({"traffic_shaping": {"router": {"concurrency_limit": 100}}})
    assert config.traffic_shaping.router.concurrency_limit == 100
    assert RouterConfig().traffic_shaping.router.concurrency_limit is None
