"""Enum and input-object intersections across subgraphs: an input type keeps only what every
subgraph defining it knows (other values and fields are validation errors), an output enum merges
every subgraph's values; values are passed to each subgraph as the client wrote them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

USERS: list[dict[str, Any]] = [
    {"id": "u1", "name": "Ada", "role": "ADMIN", "kind": "REGULAR", "age": 36},
    {"id": "u2", "name": "Bob", "role": "MEMBER", "kind": "ANONYMOUS", "age": 20},
]


def _matches(user: dict[str, Any], filter: dict[str, Any] | None) -> bool:
    return not filter or all(user.get(k) == v for k, v in filter.items() if v is not None)


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { users(filter: UserFilter): [User!]! usersByRole(role: Role!): [User!]! }
        enum Role { ADMIN MEMBER GUEST }
        enum Kind { REGULAR ANONYMOUS }
        input UserFilter { name: String age: Int }
        type User @key(fields: "id") { id: ID! name: String kind: Kind }
        """,
        resolvers={
            "Query.users": lambda _p, filter=None: [u for u in USERS if _matches(u, filter)],
            "Query.usersByRole": lambda _p, role: [u for u in USERS if u["role"] == role],
        },
        entities={"User": keyed(USERS, "id")},
    )


def b() -> FakeSubgraph:
    return FakeSubgraph(
        "b",
        LINK
        + """
        type Query { count(filter: UserFilter, role: Role): Int }
        enum Role { ADMIN MEMBER }
        enum Kind { REGULAR BOT }
        input UserFilter { name: String email: String }
        type User @key(fields: "id") { id: ID! kindHere: Kind }
        """,
        resolvers={
            "Query.count": lambda _p, filter=None, role=None: sum(
                1 for u in USERS if _matches(u, filter) and (role is None or u["role"] == role)
            ),
            "User.kindHere": lambda u: "BOT" if u["id"] == "u2" else "REGULAR",
        },
        entities={"User": keyed(USERS, "id")},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b()]) as deployed:
        yield deployed


async def test_enum_values_in_the_intersection_reach_both_subgraphs(deployment: Deployment) -> None:
    result = await deployment.compare("{ usersByRole(role: MEMBER) { name } count(role: ADMIN) }")
    assert result["data"] == {"usersByRole": [{"name": "Bob"}], "count": 1}


async def test_enum_value_outside_the_intersection_is_a_validation_error(deployment: Deployment) -> None:
    result = await deployment.compare("{ usersByRole(role: GUEST) { name } }")
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    result = await deployment.compare("query Q($r: Role!) { usersByRole(role: $r) { name } }", {"r": "GUEST"})
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_output_enum_has_every_subgraphs_values(deployment: Deployment) -> None:
    result = await deployment.compare("{ users { kind kindHere } }")
    assert result["data"]["users"] == [
        {"kind": "REGULAR", "kindHere": "REGULAR"},
        {"kind": "ANONYMOUS", "kindHere": "BOT"},
    ]


async def test_input_object_intersection(deployment: Deployment) -> None:
    result = await deployment.compare(
        'query Q($f: UserFilter) { users(filter: { name: "Ada" }) { id } count(filter: $f) }', {"f": {"name": "Bob"}}
    )
    assert result["data"] == {"users": [{"id": "u1"}], "count": 1}


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ users(filter: { age: 36 }) { id } }", None, "GRAPHQL_VALIDATION_FAILED"),
        ('{ count(filter: { email: "x" }) }', None, "GRAPHQL_VALIDATION_FAILED"),
        ("query Q($f: UserFilter) { count(filter: $f) }", {"f": {"age": 3}}, "BAD_USER_INPUT"),
    ],
)
async def test_input_fields_outside_the_intersection_are_rejected(
    deployment: Deployment, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    # graphql-js prints the rejected value as `{ age: 3 }`, graphql-core as `{"age": 3}`: compare paths.
    result = await deployment.compare(query, variables, errors="paths")
    assert result["errors"][0]["extensions"]["code"] == code
