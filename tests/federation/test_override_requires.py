"""`@override` together with `@requires`: an overridden field that requires another one, and a
required field that was itself overridden (its value must come from the overriding subgraph).

``legacy`` still declares ``weight`` and ``shipping`` but answers stale values for both (``-1``): any
value from it in a response means a query was routed to the overridden subgraph.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from router.display import format_query_plan
from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@external", "@requires", "@override"])\n'
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Table", "weight": 10},
    {"id": "p2", "name": "Couch", "weight": 40},
]


def legacy() -> FakeSubgraph:
    return FakeSubgraph(
        "legacy",
        LINK
        + """
        type Query { products: [Product!]! }
        type Product @key(fields: "id") { id: ID! name: String weight: Int shipping: Int }
        """,
        root={"products": [{"id": p["id"], "name": p["name"], "weight": -1, "shipping": -1} for p in PRODUCTS]},
        entities={"Product": keyed([{**p, "weight": -1, "shipping": -1} for p in PRODUCTS], "id")},
    )


def inventory() -> FakeSubgraph:
    """Took ``weight`` over from ``legacy``."""
    return FakeSubgraph(
        "inventory",
        LINK + 'type Product @key(fields: "id") { id: ID! weight: Int @override(from: "legacy") }',
        entities={"Product": keyed(PRODUCTS, "id")},
    )


def catalog() -> FakeSubgraph:
    """Took ``shipping`` over from ``legacy``; computes it from the (required) weight."""
    return FakeSubgraph(
        "catalog",
        LINK
        + """
        type Product @key(fields: "id") {
          id: ID! weight: Int @external shipping: Int @override(from: "legacy") @requires(fields: "weight")
        }
        """,
        resolvers={"Product.shipping": lambda p: None if p.get("weight") is None else p["weight"] * 2},
        entities={"Product": lambda representation: dict(representation)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([legacy(), inventory(), catalog()]) as deployed:
        yield deployed


async def test_overridden_field_with_requires_gets_the_overriding_required_value(deployment: Deployment) -> None:
    query = "{ products { id name shipping } }"
    result = await deployment.compare(query)
    assert result["data"]["products"] == [
        {"id": "p1", "name": "Table", "shipping": 20},
        {"id": "p2", "name": "Couch", "shipping": 80},
    ]
    plan = format_query_plan(deployment.engines["ours"].prepare(query, None).plan)  # type: ignore[union-attr]
    assert 'Fetch(service: "inventory")' in plan
    assert 'Fetch(service: "catalog")' in plan
    sent = [r["variables"]["representations"] for r in deployment.subgraphs["catalog"].requests]
    assert sent[-1] == [
        {"__typename": "Product", "id": "p1", "weight": 10},
        {"__typename": "Product", "id": "p2", "weight": 40},
    ]


async def test_required_field_asked_by_the_client_too(deployment: Deployment) -> None:
    result = await deployment.compare("{ products { shipping weight } }")
    assert result["data"]["products"] == [{"shipping": 20, "weight": 10}, {"shipping": 80, "weight": 40}]
