"""`@external` fields are not readable where they are external (issue 14, class 3).

``a`` keys ``Product`` by ``id upc`` with ``upc`` external: it cannot give ``upc`` (its value there
is a placeholder, ``"stale"`` in this fake) so entering ``c`` (keyed by ``upc``) goes through ``b``
first. Under ``@provides(fields: "upc")`` (``Review.featured``) the same field is readable in ``a``
and the jump to ``c`` is direct.
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
    {"id": "p1", "upc": "u-1", "price": 10, "title": "Kettle"},
    {"id": "p2", "upc": "u-2", "price": 25, "title": "Toaster"},
]


def a() -> FakeSubgraph:
    stale = [{"id": p["id"], "upc": "stale"} for p in PRODUCTS]
    provided = [{"id": p["id"], "upc": p["upc"]} for p in PRODUCTS]
    reviews = [
        {"__typename": "Review", "id": "r1", "product": stale[0], "featured": provided[1]},
        {"__typename": "Review", "id": "r2", "product": stale[1], "featured": provided[0]},
    ]
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { reviews: [Review!]! posts: [Post!]! }
        interface Post { id: ID! product: Product }
        type Review implements Post {
          id: ID! product: Product featured: Product @provides(fields: "upc")
        }
        type Product @key(fields: "id upc") { id: ID! upc: String! @external }
        """,
        root={"reviews": reviews, "posts": reviews},
        entities={"Product": keyed(stale, "id", "upc")},
    )


def b() -> FakeSubgraph:
    records = [{"id": p["id"], "upc": p["upc"]} for p in PRODUCTS]
    return FakeSubgraph(
        "b",
        LINK + 'type Product @key(fields: "id") @key(fields: "upc") { id: ID! upc: String! @shareable }',
        entities={"Product": lambda rep: next((r for r in records if r.get("id") == rep.get("id")), None)},
    )


def c() -> FakeSubgraph:
    return FakeSubgraph(
        "c",
        LINK + 'type Product @key(fields: "upc") { upc: String! @shareable price: Int! title: String! }',
        entities={"Product": keyed(PRODUCTS, "upc")},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b(), c()]) as deployed:
        yield deployed


async def test_external_key_field_is_fetched_from_its_owner_in_a_list(deployment: Deployment) -> None:
    result = await deployment.compare("{ reviews { id product { price } } }")
    assert result["data"]["reviews"] == [{"id": "r1", "product": {"price": 10}}, {"id": "r2", "product": {"price": 25}}]
    sent = deployment.subgraphs["c"].entity_calls()[-1]
    assert {rep["upc"] for rep in sent} == {"u-1", "u-2"}  # never a's placeholder


async def test_external_field_asked_with_aliases_and_fragments(deployment: Deployment) -> None:
    query = "{ reviews { p: product { code: upc ... on Product { t: title } } } }"
    result = await deployment.compare(query)
    assert result["data"]["reviews"][0]["p"] == {"code": "u-1", "t": "Kettle"}


async def test_through_an_interface(deployment: Deployment) -> None:
    result = await deployment.compare("{ posts { ... on Review { product { upc price } } } }")
    assert result["data"]["posts"][1]["product"] == {"upc": "u-2", "price": 25}


async def test_provided_external_field_is_read_where_provided(deployment: Deployment) -> None:
    query = "{ reviews { featured { upc price } } }"
    result = await deployment.compare(query)
    assert result["data"]["reviews"][0]["featured"] == {"upc": "u-2", "price": 25}
    before = len(deployment.subgraphs["b"].requests)
    await deployment.engines["ours"].execute(query)
    assert len(deployment.subgraphs["b"].requests) == before  # a gives upc under @provides: no hop to b
