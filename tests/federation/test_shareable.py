"""`@shareable` fields whose child types or union members differ per subgraph, and parent-entity calls
(a field of a value type known only in a subgraph where its parent entity can be entered)."""

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
    'import: ["@key", "@shareable", "@external"])\n'
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "pid": "x1", "category": "c1"},
    {"id": "p2", "pid": "x2", "category": "c2"},
    {"id": "p3", "pid": "x3", "category": "c1"},
]
CATEGORIES: dict[str, dict[str, Any]] = {
    "c1": {"id": "c1", "name": "Furniture", "details": {"products": 2}},
    "c2": {"id": "c2", "name": "Lamps"},
}
BOOK = {"__typename": "Book", "title": "The Hobbit"}
SONG = {"__typename": "Song", "title": "Dancing Queen"}
MOVIE = {"__typename": "Movie", "title": "Alien"}
SHELF_A = [{"__typename": "Pen", "id": "pen1", "color": "red"}, {"__typename": "Box", "id": "b1", "label": "tea"}]
SHELF_B = [{"__typename": "Box", "id": "b1", "size": 3}, {"__typename": "Cup", "id": "cup1", "volume": 2}]


def _product(product: dict[str, Any]) -> dict[str, Any]:
    return {"id": product["id"], "pid": product["pid"], "category_id": product["category"]}


def _category_of(product: dict[str, Any]) -> dict[str, Any]:
    return CATEGORIES[product["category_id"]]


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query {
          products: [Product!]! viewer: Viewer @shareable media: Media @shareable shelf: [Item!]! @shareable
        }
        type Product @key(fields: "id") @key(fields: "id pid") { id: ID! pid: ID! category: Category @shareable }
        type Category @key(fields: "id") { id: ID! name: String! @shareable }
        type Viewer @shareable { media: Media song: Media }
        union Media = Book | Song
        type Book @shareable { title: String! }
        type Song { title: String! }
        union Item = Pen | Box
        type Pen @key(fields: "id") { id: ID! color: String }
        type Box @key(fields: "id") { id: ID! label: String }
        """,
        root={
            "products": [_product(p) for p in PRODUCTS],
            "viewer": {"media": BOOK, "song": SONG},
            "media": BOOK,
            "shelf": SHELF_A,
        },
        resolvers={"Product.category": _category_of},
        entities={
            "Product": lambda rep: next((_product(p) for p in PRODUCTS if p["id"] == rep["id"]), None),
            "Category": lambda rep: CATEGORIES.get(rep["id"]),
            "Pen": keyed(SHELF_A, "id"),
            "Box": keyed(SHELF_A, "id"),
        },
    )


def b() -> FakeSubgraph:
    return FakeSubgraph(
        "b",
        LINK
        + """
        type Query { viewer: Viewer @shareable media: Media @shareable shelf: [Item!]! @shareable }
        type Product @key(fields: "id pid") { id: ID! pid: ID! category: Category @shareable }
        type Category @key(fields: "id") { id: ID! name: String! @shareable }
        type Viewer @shareable { media: Media book: Media }
        union Media = Book | Movie
        type Book @shareable { title: String! }
        type Movie { title: String! }
        union Item = Box | Cup
        type Box @key(fields: "id") { id: ID! size: Int }
        type Cup @key(fields: "id") { id: ID! volume: Int }
        """,
        root={"viewer": {"media": BOOK, "book": BOOK}, "media": BOOK, "shelf": SHELF_B},
        resolvers={"Product.category": _category_of},
        entities={
            "Product": lambda rep: next((_product(p) for p in PRODUCTS if p["id"] == rep["id"]), None),
            "Category": lambda rep: CATEGORIES.get(rep["id"]),
            "Box": keyed(SHELF_B, "id"),
            "Cup": keyed(SHELF_B, "id"),
        },
    )


def c() -> FakeSubgraph:
    """``Category`` is a value type here: only its parent ``Product`` can be entered."""
    return FakeSubgraph(
        "c",
        LINK
        + """
        type Product @key(fields: "id pid") { id: ID! pid: ID! category: Category @shareable }
        type Category { details: CategoryDetails }
        type CategoryDetails { products: Int }
        """,
        resolvers={"Product.category": _category_of},
        entities={"Product": lambda rep: next((_product(p) for p in PRODUCTS if p["id"] == rep["id"]), None)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b(), c()]) as deployed:
        yield deployed


async def test_parent_entity_call(deployment: Deployment) -> None:
    result = await deployment.compare("{ products { id category { id name details { products } } } }")
    assert [p["category"]["details"] for p in result["data"]["products"]] == [{"products": 2}, None, {"products": 2}]
    plan = deployment.engines["ours"].prepare("{ products { category { details { products } } } }", None)
    assert 'Flatten(path: "products.@")' in format_query_plan(plan.plan)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "query",
    [
        "{ media { ... on Movie { title } } }",
        "{ media { ... on Book { title } } }",
        "{ media { __typename ... on Book { title } ... on Movie { title } ... on Song { title } } }",
        "{ viewer { media { ... on Book { title } ... on Movie { title } } } }",
    ],
)
async def test_union_members_differ_per_subgraph(deployment: Deployment, query: str) -> None:
    await deployment.compare(query)


async def test_shareable_value_type_fields_from_two_subgraphs(deployment: Deployment) -> None:
    """`Viewer` has no key: `song` (only in a) and `book` (only in b) are reached by re-entering the
    shareable root field `viewer` in each subgraph."""
    selection = "{ __typename ... on Song { title } ... on Movie { title } ... on Book { title } }"
    query = f"{{ viewer {{ media {selection} book {selection} song {selection} }} }}"
    result = await deployment.compare(query)
    assert result["data"]["viewer"] == {
        "media": {"__typename": "Book", "title": "The Hobbit"},
        "book": {"__typename": "Book", "title": "The Hobbit"},
        "song": {"__typename": "Song", "title": "Dancing Queen"},
    }


async def test_partial_entity_union_below_shareable_field(deployment: Deployment) -> None:
    """Checked against the right answer, not Apollo: Apollo Gateway fetches `shelf` from a and b in
    parallel and merges the two lists element by element, so a's Pen gets b's Box fields and the
    response is `null` with "Cannot return null for non-nullable field Box.id". We take the list from
    one subgraph (a) and hop to b, by key, only for the Box field a lacks (`size`); b's Cup members
    cannot be in a's list, so `... on Cup` selects nothing."""
    query = "{ shelf { __typename ... on Pen { color } ... on Box { id label size } ... on Cup { volume } } }"
    result = await deployment.engines["ours"].execute(query)
    assert result == {
        "data": {
            "shelf": [
                {"__typename": "Pen", "color": "red"},
                {"__typename": "Box", "id": "b1", "label": "tea", "size": 3},
            ]
        }
    }
