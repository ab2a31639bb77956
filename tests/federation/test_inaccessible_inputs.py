"""`@inaccessible` input fields: hidden from the API schema, so a client using one gets a
validation error (in a literal) or a variable coercion error, while the other fields of the input
type still reach the subgraph; in a subgraph with a default value, the hidden field keeps it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@inaccessible"])\n'
)

USERS: list[dict[str, Any]] = [
    {"id": "u1", "name": "Ada", "tenant": "internal"},
    {"id": "u2", "name": "Bob", "tenant": "public"},
    {"id": "u3", "name": "Ada", "tenant": "public"},
]


def _search(_parent: Any, filter: dict[str, Any]) -> list[dict[str, Any]]:
    return [u for u in USERS if u["tenant"] == filter["tenant"] and filter.get("name") in (None, u["name"])]


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { users(filter: UserFilter!): [User!]! }
        input UserFilter { name: String tenant: String! = "public" @inaccessible }
        type User @key(fields: "id") { id: ID! name: String }
        """,
        resolvers={"Query.users": _search},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a()]) as deployed:
        yield deployed


async def test_visible_input_fields_reach_the_subgraph(deployment: Deployment) -> None:
    result = await deployment.compare('{ users(filter: { name: "Ada" }) { id } }')
    assert result["data"] == {"users": [{"id": "u3"}]}  # the hidden field kept its default
    result = await deployment.compare(
        "query Q($f: UserFilter!) { users(filter: $f) { id name } }", {"f": {"name": "Bob"}}
    )
    assert result["data"] == {"users": [{"id": "u2", "name": "Bob"}]}


async def test_an_inaccessible_input_field_in_a_literal_is_a_validation_error(deployment: Deployment) -> None:
    result = await deployment.compare('{ users(filter: { name: "Ada", tenant: "internal" }) { id } }')
    assert "data" not in result or result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_an_inaccessible_input_field_in_a_variable_is_rejected(deployment: Deployment) -> None:
    # graphql-js prints the rejected value as `{ tenant: "internal" }`, graphql-core as JSON: compare paths.
    result = await deployment.compare(
        "query Q($f: UserFilter!) { users(filter: $f) { id } }", {"f": {"tenant": "internal"}}, errors="paths"
    )
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "internal" not in str(result.get("data"))


async def test_an_inaccessible_input_field_is_not_in_introspection(deployment: Deployment) -> None:
    result = await deployment.compare('{ __type(name: "UserFilter") { inputFields { name } } }')
    assert result["data"] == {"__type": {"inputFields": [{"name": "name"}]}}
