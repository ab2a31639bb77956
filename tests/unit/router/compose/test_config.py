"""Reading rover's supergraph.yaml: sources, ${env.VAR} expansion, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.compose.config import expand_env, load_config, parse_config, parse_federation_version
from router.compose.errors import ConfigError

pytestmark = pytest.mark.router


def test_reads_every_schema_source(tmp_path: Path) -> None:
    # given a config with a file, a URL (with headers) and an inline SDL
    (tmp_path / "schemas").mkdir()
    config_file = tmp_path / "supergraph.yaml"
    config_file.write_text(
        """
federation_version: =2.9.0
subgraphs:
  users:
    routing_url: http://127.0.0.1:4001/graphql
    schema:
      file: ./schemas/users.graphql
  products:
    routing_url: http://products:4002/graphql
    schema:
      subgraph_url: http://127.0.0.1:4002/graphql
      introspection_headers:
        Authorization: Bearer abc
  orders:
    schema:
      subgraph_url: http://127.0.0.1:4003/graphql
  inline:
    routing_url: http://127.0.0.1:4004/graphql
    schema:
      sdl: "type Query { a: Int }"
"""
    )
    # when it is loaded
    config = load_config(config_file)
    # then each subgraph knows where its SDL is and where to route
    assert config.federation_version == (2, 9)
    users, products, orders, inline = config.subgraphs
    assert users.schema.file == tmp_path / "schemas" / "users.graphql"
    assert products.schema.subgraph_url == "http://127.0.0.1:4002/graphql"
    assert dict(products.schema.introspection_headers) == {"Authorization": "Bearer abc"}
    assert products.routing_url == "http://products:4002/graphql"
    assert orders.routing_url == "http://127.0.0.1:4003/graphql"  # defaults to subgraph_url
    assert inline.schema.sdl == "type Query { a: Int }"


def test_expands_environment_variables_with_defaults() -> None:
    environ = {"USERS_URL": "http://users:4001/graphql", "TOKEN": "secret"}
    config = parse_config(
        """
subgraphs:
  users:
    routing_url: ${env.USERS_URL}
    schema:
      subgraph_url: ${env.USERS_INTROSPECT:-http://127.0.0.1:4001/graphql}
      introspection_headers:
        Authorization: Bearer ${env.TOKEN}
""",
        environ=environ,
    )
    (users,) = config.subgraphs
    assert users.routing_url == "http://users:4001/graphql"
    assert users.schema.subgraph_url == "http://127.0.0.1:4001/graphql"
    assert users.schema.introspection_headers["Authorization"] == "Bearer secret"
    assert expand_env("${env.A:-}x", "k", {}) == "x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "subgraphs:\n  a:\n    routing_url: ${env.NOPE}\n    schema: {sdl: x}",
            "subgraphs.a.routing_url: environment variable NOPE",
        ),
        ("federation_version: 2\n", "subgraphs: expected a non-empty mapping"),
        ("subgraphs:\n  a:\n    routing_url: http://a\n", "subgraphs.a.schema: expected a mapping"),
        (
            "subgraphs:\n  a:\n    routing_url: http://a\n    schema: {sdl: x, file: y.graphql}",
            "subgraphs.a.schema: expected exactly one of file, subgraph_url, sdl (found file, sdl)",
        ),
        ("subgraphs:\n  a:\n    schema: {file: a.graphql}", "subgraphs.a.routing_url: required"),
        ("subgraphs:\n  a:\n    routing_url: http://a\n    schema: {graphref: g@v}", "subgraphs.a.schema.graphref"),
        ("subgraphs:\n  a:\n    routing_url: http://a\n    schema: {subgraph_url: ftp://x}", "not an http(s) URL"),
        (
            "subgraphs:\n  a:\n    routing_url: http://a\n    schema: {file: a.graphql, introspection_headers: {A: b}}",
            "subgraphs.a.schema.introspection_headers: only allowed with subgraph_url",
        ),
        ("subgraphs:\n  a:\n    routing_url: http://a\n    schma: {}", "subgraphs.a.schma: unknown key"),
        ("federation_version: =1.0.0\nsubgraphs: {}", "federation_version: '=1.0.0' is not supported"),
        ("federation_version: latest\nsubgraphs: {}", "federation_version: 'latest' is not a version"),
        ("subgraphs: [a, b]", "subgraphs: expected a non-empty mapping"),
        ("subgraphs:\n  'bad name':\n    routing_url: http://a\n    schema: {sdl: x}", "invalid subgraph name"),
        ("subgraphs: {a: [", "invalid YAML"),
    ],
)
def test_errors_name_the_key_at_fault(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, environ={})
    assert message in str(raised.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "absent.yaml")


@pytest.mark.parametrize(("raw", "expected"), [("=2.9.0", (2, 9)), ("2", (2, None)), ("2.3", (2, 3)), (2, (2, None))])
def test_federation_versions(raw: object, expected: tuple[int, int | None]) -> None:
    assert parse_federation_version(raw) == expected
