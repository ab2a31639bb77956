"""Path choice by cost (issue 14, class 5): ``reviews`` is ``@shareable`` in ``c`` and ``z``; only
``z`` ``@provides`` the product's ``name details { size }``. The plan through ``z`` needs one fetch,
the one through ``c`` (first by name) two, so ``z`` wins; fields nobody provides still hop to ``b``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@provides"])\n'
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Kettle", "price": 20, "details": {"size": 2}},
    {"id": "p2", "name": "Pan", "price": 35, "details": {"size": 5}},
]
REVIEWS: list[dict[str, Any]] = [
    {"id": "r1", "product": PRODUCTS[0]},
    {"id": "r2", "product": PRODUCTS[1]},
]


def c() -> FakeSubgraph:
    return FakeSubgraph(
        "c",
        LINK
        + """
        type Query { reviews: [Review!]! @shareable }
        type Review @key(fields: "id") { id: ID! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! }
        """,
        root={"reviews": REVIEWS},
        entities={"Review": keyed(REVIEWS, "id")},
    )


def z() -> FakeSubgraph:
    return FakeSubgraph(
        "z",
        LINK
        + """
        type Query { reviews: [Review!]! @shareable }
        type Review @key(fields: "id") {
          id: ID! product: Product @shareable @provides(fields: "name details { size }")
        }
        type Product @key(fields: "id") { id: ID! name: String @external details: Details @external }
        type Details @shareable { size: Int }
        """,
        root={"reviews": REVIEWS},
        entities={"Review": keyed(REVIEWS, "id")},
    )


def b() -> FakeSubgraph:
    return FakeSubgraph(
        "b",
        LINK
        + """
        type Product @key(fields: "id") { id: ID! name: String @shareable price: Int details: Details @shareable }
        type Details @shareable { size: Int }
        """,
        entities={"Product": keyed(PRODUCTS, "id")},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([c(), z(), b()]) as deployed:
        yield deployed


async def _calls(deployment: Deployment, query: str) -> dict[str, int]:
    """The requests each subgraph got while our planner's engine answered ``query``."""
    before = {name: len(g.requests) for name, g in deployment.subgraphs.items()}
    await deployment.engines["ours"].execute(query)
    return {name: len(g.requests) - before[name] for name, g in deployment.subgraphs.items()}


@pytest.mark.parametrize(
    "query",
    [
        "{ reviews { product { name details { size } } } }",
        "{ reviews { id p: product { n: name d: details { s: size } } } }",
        "query { reviews { product { ...F } } } fragment F on Product { name ... on Product { details { size } } }",
    ],
)
async def test_the_providing_subgraph_answers_alone(deployment: Deployment, query: str) -> None:
    result = await deployment.compare(query)
    assert len(result["data"]["reviews"]) == 2
    assert await _calls(deployment, query) == {"c": 0, "z": 1, "b": 0}


async def test_fields_not_provided_still_hop(deployment: Deployment) -> None:
    query = "{ reviews { product { name price } } }"
    result = await deployment.compare(query)
    assert result["data"]["reviews"][1]["product"] == {"name": "Pan", "price": 35}
    assert sum((await _calls(deployment, query)).values()) == 2
