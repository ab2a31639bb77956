"""`@provides`: nested (an entity below a provided entity), on interface-typed and on union-typed
fields; provided fields come with the parent fetch, the rest hops to the owning subgraph."""

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

CATEGORIES: list[dict[str, Any]] = [{"id": "c1", "title": "Furniture", "slug": "furniture"}]
PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Table", "price": 10, "category": CATEGORIES[0]},
    {"id": "p2", "name": "Chair", "price": 5, "category": CATEGORIES[0]},
]
MEDIA: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "b1", "title": "Dune", "pages": 412},
    {"__typename": "Film", "id": "f1", "title": "Alien", "minutes": 117},
]


def catalog() -> FakeSubgraph:
    return FakeSubgraph(
        "catalog",
        LINK
        + """
        type Product @key(fields: "id") { id: ID! name: String @shareable price: Int category: Category @shareable }
        type Category @key(fields: "id") { id: ID! title: String @shareable slug: String }
        interface Item { id: ID! title: String }
        type Book implements Item @key(fields: "id") { id: ID! title: String @shareable pages: Int }
        type Film implements Item @key(fields: "id") { id: ID! title: String @shareable minutes: Int }
        """,
        entities={
            "Product": keyed(PRODUCTS, "id"),
            "Category": keyed(CATEGORIES, "id"),
            "Book": keyed(MEDIA, "id"),
            "Film": keyed(MEDIA, "id"),
        },
    )


def reviews() -> FakeSubgraph:
    reviews_data = [
        {"id": "r1", "body": "Solid.", "product": PRODUCTS[0]},
        {"id": "r2", "body": "Wobbly.", "product": PRODUCTS[1]},
    ]
    return FakeSubgraph(
        "reviews",
        LINK
        + """
        type Query {
          reviews: [Review!]!
          items: [Item!]! @provides(fields: "... on Book { title } ... on Film { title }")
          media: [Media!]! @provides(fields: "... on Book { title } ... on Film { title }")
        }
        type Review @key(fields: "id") {
          id: ID! body: String product: Product @provides(fields: "name category { title }")
        }
        type Product @key(fields: "id") { id: ID! name: String @external category: Category @external }
        type Category @key(fields: "id") { id: ID! title: String @external }
        interface Item { id: ID! }
        union Media = Book | Film
        type Book implements Item @key(fields: "id") { id: ID! title: String @external }
        type Film implements Item @key(fields: "id") { id: ID! title: String @external }
        """,
        root={"reviews": reviews_data, "items": MEDIA, "media": MEDIA},
        entities={"Review": keyed(reviews_data, "id")},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([catalog(), reviews()]) as deployed:
        yield deployed


async def _catalog_calls(deployment: Deployment, query: str) -> int:
    """Run ``query`` through our engine only and count the calls it made to catalog."""
    catalog_graph = deployment.subgraphs["catalog"]
    before = len(catalog_graph.requests)
    await deployment.engines["ours"].execute(query)
    return len(catalog_graph.requests) - before


async def test_nested_provides_needs_no_hop(deployment: Deployment) -> None:
    query = "{ reviews { body product { id name category { id title } } } }"
    result = await deployment.compare(query)
    assert result["data"]["reviews"][0]["product"]["category"]["title"] == "Furniture"
    assert await _catalog_calls(deployment, query) == 0


async def test_nested_provides_then_fields_that_are_not_provided(deployment: Deployment) -> None:
    query = "{ reviews { product { name price category { title slug } } } }"
    result = await deployment.compare(query)
    assert result["data"]["reviews"][1]["product"] == {
        "name": "Chair",
        "price": 5,
        "category": {"title": "Furniture", "slug": "furniture"},
    }
    assert await _catalog_calls(deployment, query) == 2  # one hop per level, not per object


async def test_provides_on_an_interface_typed_field(deployment: Deployment) -> None:
    query = "{ items { __typename id title } }"
    await deployment.compare(query)
    assert await _catalog_calls(deployment, query) == 0
    result = await deployment.compare("{ items { title ... on Book { pages } ... on Film { minutes } } }")
    assert result["data"]["items"] == [{"title": "Dune", "pages": 412}, {"title": "Alien", "minutes": 117}]


async def test_provides_on_a_union_typed_field(deployment: Deployment) -> None:
    query = "{ media { ... on Book { title } ... on Film { title } } }"
    await deployment.compare(query)
    assert await _catalog_calls(deployment, query) == 0
    await deployment.compare("{ media { __typename ... on Book { title pages } ... on Film { minutes } } }")
