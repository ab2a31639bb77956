"""Nested choices by cost (issue 14, class 5), against Apollo Gateway: a nested shareable field that
could stay in the current subgraph but is cheaper through a jump; a nested entity reachable through
two keys, one of which needs an extra fetch; a ``@provides`` below the root. Our answers equal
Apollo Gateway's, our plan calls the subgraphs no more often than Apollo's plan has fetches, and
exactly as often as the plan's cost says (the snapshots are in ``planner/test_cost_search.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from graphql import parse

from router.query_planner.cost import plan_cost
from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed
from tests.unit.router.planner.support import apollo_plans, planner_of

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@provides"])\n'
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Kettle", "price": 20},
    {"id": "p2", "name": "Pan", "price": 35},
]
REVIEWS: list[dict[str, Any]] = [
    {"id": "r1", "upc": "u1", "rating": 4, "note": "fine", "product": PRODUCTS[0]},
    {"id": "r2", "upc": "u2", "rating": 2, "note": "meh", "product": PRODUCTS[1]},
    {"id": "r3", "upc": "u3", "rating": 5, "note": "none", "product": None},
]
SHOP: dict[str, Any] = {"id": "s1", "rating": 3, "reviews": REVIEWS}


def _subgraph(name: str, sdl: str, root: dict[str, Any] | None = None, **entities: Any) -> FakeSubgraph:
    return FakeSubgraph(name, LINK + sdl, root=root or {}, entities=entities)


def _review_by_id_or_upc(representation: dict[str, Any]) -> Any:
    field = "upc" if "upc" in representation else "id"
    return keyed(REVIEWS, field)(representation)


STAY_OR_JUMP = [
    _subgraph(
        "a",
        """
        type Query { reviews: [Review] }
        type Review @key(fields: "id") { id: ID! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! }
        """,
        {"reviews": REVIEWS},
        Review=keyed(REVIEWS, "id"),
    ),
    _subgraph(
        "b",
        """
        type Review @key(fields: "id") { id: ID! rating: Int product: Product @shareable }
        type Product @key(fields: "id") { id: ID! price: Int }
        """,
        Review=keyed(REVIEWS, "id"),
        Product=keyed(PRODUCTS, "id"),
    ),
]
TWO_KEYS = [
    _subgraph(
        "a",
        """
        type Query { reviews: [Review] }
        type Review @key(fields: "id") { id: ID! }
        """,
        {"reviews": REVIEWS},
        Review=keyed(REVIEWS, "id"),
    ),
    _subgraph(
        "d",
        'type Review @key(fields: "id") @key(fields: "upc") { id: ID! upc: String! note: String }',
        Review=_review_by_id_or_upc,
    ),
    _subgraph(
        "b",
        """
        type Review @key(fields: "id") { id: ID! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! }
        """,
        Review=keyed(REVIEWS, "id"),
        Product=keyed(PRODUCTS, "id"),
    ),
    _subgraph(
        "e",
        'type Product @key(fields: "id") { id: ID! name: String @shareable }',
        Product=keyed(PRODUCTS, "id"),
    ),
    _subgraph(
        "c",
        """
        type Review @key(fields: "upc") { upc: String! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! name: String @shareable }
        """,
        Review=keyed(REVIEWS, "upc"),
        Product=keyed(PRODUCTS, "id"),
    ),
]
NESTED_PROVIDES = [
    _subgraph(
        "x",
        """
        type Query { shop: Shop }
        type Shop @key(fields: "id") { id: ID! reviews: [Review] @shareable }
        type Review @key(fields: "id") { id: ID! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! }
        """,
        {"shop": SHOP},
        Shop=keyed([SHOP], "id"),
        Review=keyed(REVIEWS, "id"),
    ),
    _subgraph(
        "z",
        """
        type Shop @key(fields: "id") {
          id: ID! rating: Int reviews: [Review] @shareable @provides(fields: "product { name }")
        }
        type Review @key(fields: "id") { id: ID! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! name: String @external }
        """,
        Shop=keyed([SHOP], "id"),
        Review=keyed(REVIEWS, "id"),
    ),
    _subgraph(
        "b",
        'type Product @key(fields: "id") { id: ID! name: String @shareable }',
        Product=keyed(PRODUCTS, "id"),
    ),
]

CASES = [
    (
        STAY_OR_JUMP,
        [
            "{ reviews { rating product { price } } }",
            "{ reviews { p: product { ... on Product { price } } r: rating } }",
            "{ reviews { rating product { price } } again: reviews { rating product { id price } } }",
        ],
    ),
    (
        TWO_KEYS,
        [
            "{ reviews { note product { name } } }",
            "query Q { reviews { ...R } } fragment R on Review { product { n: name } note }",
        ],
    ),
    (
        NESTED_PROVIDES,
        [
            "{ shop { rating reviews { product { name } } } }",
            "{ shop { reviews { id product { id name } } rating } }",
        ],
    ),
]


@pytest.fixture(scope="module", params=range(len(CASES)), ids=["stay-or-jump", "two-keys", "nested-provides"])
async def case(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Deployment, list[str]]]:
    subgraphs, queries = CASES[request.param]
    async with deploy(subgraphs) as deployed:
        yield deployed, queries


async def _calls(deployment: Deployment, query: str) -> int:
    """The subgraph requests our planner's engine made to answer ``query``."""
    before = {name: len(g.requests) for name, g in deployment.subgraphs.items()}
    await deployment.engines["ours"].execute(query)
    return sum(len(g.requests) - before[name] for name, g in deployment.subgraphs.items())


async def test_same_answers_and_no_more_fetches_than_apollo(case: tuple[Deployment, list[str]]) -> None:
    deployment, queries = case
    theirs = apollo_plans(deployment.supergraph_sdl, [(query, None) for query in queries])
    for query, apollo_plan in zip(queries, theirs, strict=True):
        result = await deployment.compare(query)
        assert result.get("data"), result
        ours = plan_cost(planner_of(deployment.supergraph_sdl).build_query_plan(parse(query)))
        assert await _calls(deployment, query) == ours.fetches, query
        assert ours.fetches <= apollo_plan.count("Fetch("), f"{query}\n{apollo_plan}"
