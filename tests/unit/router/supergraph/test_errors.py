"""A malformed supergraph fails with a message that says where."""

from __future__ import annotations

import pytest

from router.supergraph import SupergraphError, load_supergraph

pytestmark = pytest.mark.router

HEADER = """schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{
  query: Query
}

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String,\
 external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,\
 resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM\
 | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph {
  A @join__graph(name: "a", url: "http://a")
}
"""


def load(body: str, header: str = HEADER) -> None:
    load_supergraph(header + body)


def test_valid_minimal_supergraph_loads() -> None:
    load("type Query @join__type(graph: A) { x: Int }\n")


def test_syntax_error_gives_line_and_column() -> None:
    with pytest.raises(SupergraphError, match=r"syntax error at 19:1: "):
        load("type Query @join__type(graph: A) { x: Int \n")


def test_unknown_subgraph_names_type_and_position() -> None:
    with pytest.raises(SupergraphError, match=r"^18:31 \(Query\): unknown subgraph B"):
        load("type Query @join__type(graph: B) { x: Int }\n")


def test_key_naming_a_missing_field_names_type() -> None:
    with pytest.raises(SupergraphError, match=r"User @key\(\'nope\'\): type User has no field nope"):
        load('type Query @join__type(graph: A) { u: User }\ntype User @join__type(graph: A, key: "nope") { id: ID }\n')


def test_invalid_requires_field_set_names_field() -> None:
    with pytest.raises(SupergraphError, match=r"\(User.b requires\): invalid field set"):
        load(
            "type Query @join__type(graph: A) { u: User }\n"
            'type User @join__type(graph: A) { a: Int b: Int @join__field(graph: A, requires: "a {") }\n'
        )


def test_not_a_supergraph() -> None:
    with pytest.raises(SupergraphError, match="does not @link the join spec"):
        load_supergraph("type Query { x: Int }")


def test_unsupported_join_version() -> None:
    with pytest.raises(SupergraphError, match=r"unsupported join spec version v0\.9"):
        load("type Query @join__type(graph: A) { x: Int }\n", HEADER.replace("join/v0.3", "join/v0.9"))


def test_unknown_type_in_schema_is_reported_with_position() -> None:
    with pytest.raises(SupergraphError, match="invalid supergraph schema"):
        load("type Query @join__type(graph: A) { x: Missing }\n")


def test_renamed_join_spec_is_understood() -> None:
    header = (
        HEADER.replace('join/v0.3", for: EXECUTION', 'join/v0.5", as: "j", for: EXECUTION')
        .replace("@join__", "@j__")
        .replace("join__Graph", "j__Graph")
        .replace("join__FieldSet", "j__FieldSet")
    )
    supergraph = load_supergraph(
        header + 'type Query @j__type(graph: A) { u: User }\ntype User @j__type(graph: A, key: "id") { id: ID }\n'
    )
    assert [k.text for k in supergraph.keys("User", "a")] == ["id"]
    assert "j__" not in supergraph.api_schema_sdl
