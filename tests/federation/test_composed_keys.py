"""Keys whose fields are not all in one subgraph (issue 14, classes 1 and 2).

Class 1: ``d`` keys ``Product`` by ``id pid category { id tag }``; ``a`` has only ``id``, ``b`` has
``pid`` and ``c`` has ``category { id tag }``. To reach ``Product.name`` the key fields are fetched
from ``b`` and ``c`` first, then ``d`` is entered with all of them. Class 2: ``Section.details``
lives only in ``e``, where ``Section`` is a value type (no key), and ``Section.label`` only in
``g``, keyed by ``id``, which ``e`` cannot give: ``section { id }`` comes from ``f`` (by re-entering
the parent ``Shop``) before the jump to ``g``.
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
    'import: ["@key", "@shareable", "@external"])\n'
)

CATEGORIES: list[dict[str, Any]] = [{"id": "c1", "tag": "home"}, {"id": "c2", "tag": "garden"}]
PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "pid": "P-1", "category": CATEGORIES[0], "name": "Lamp", "price": 30},
    {"id": "p2", "pid": "P-2", "category": CATEGORIES[1], "name": "Rake", "price": 12},
    {"id": "p3", "pid": "P-3", "category": CATEGORIES[0], "name": "Rug", "price": 99},
]
SHOPS: list[dict[str, Any]] = [
    {"id": "s1", "section": {"id": "c1", "details": "indoor things", "label": "Home"}},
    {"id": "s2", "section": {"id": "c2", "details": "outdoor things", "label": "Garden"}},
]


def _only(record: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: record[name] for name in names}


def a() -> FakeSubgraph:
    ids = [{"id": p["id"]} for p in PRODUCTS]
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { products: [Product!]! product(id: ID!): Product items: [Item!]! }
        interface Item { id: ID! }
        type Product implements Item @key(fields: "id") { id: ID! }
        """,
        root={
            "products": ids,
            "product": lambda id: next((i for i in ids if i["id"] == id), None),
            "items": [{"__typename": "Product", **i} for i in ids],
        },
        entities={"Product": keyed(ids, "id")},
    )


def b() -> FakeSubgraph:
    records = [_only(p, "id", "pid") for p in PRODUCTS]
    return FakeSubgraph(
        "b",
        LINK + 'type Product @key(fields: "id") { id: ID! pid: ID! }',
        entities={"Product": keyed(records, "id")},
    )


def c() -> FakeSubgraph:
    records = [_only(p, "id", "category") for p in PRODUCTS]
    return FakeSubgraph(
        "c",
        LINK
        + """
        type Product @key(fields: "id") { id: ID! category: Category! }
        type Category @key(fields: "id") { id: ID! tag: String! }
        """,
        entities={"Product": keyed(records, "id"), "Category": keyed(CATEGORIES, "id")},
    )


def d() -> FakeSubgraph:
    return FakeSubgraph(
        "d",
        LINK
        + """
        type Product @key(fields: "id pid category { id tag }") {
          id: ID! pid: ID! @external category: Category! @external name: String! price: Int!
        }
        type Category @key(fields: "id") { id: ID! tag: String! @external }
        """,
        entities={"Product": keyed(PRODUCTS, "id", "pid", "category")},
    )


def e() -> FakeSubgraph:
    return FakeSubgraph(
        "e",
        LINK
        + """
        type Query { shops: [Shop!]! }
        type Shop @key(fields: "id") { id: ID! section: Section! @shareable }
        type Section @shareable { details: String! }
        """,
        root={"shops": SHOPS},
        entities={"Shop": keyed(SHOPS, "id")},
    )


def f() -> FakeSubgraph:
    return FakeSubgraph(
        "f",
        LINK
        + """
        type Shop @key(fields: "id") { id: ID! section: Section! @shareable }
        type Section @key(fields: "id") { id: ID! }
        """,
        entities={"Shop": keyed(SHOPS, "id")},
    )


def g() -> FakeSubgraph:
    categories = [s["section"] for s in SHOPS]
    return FakeSubgraph(
        "g",
        LINK + 'type Section @key(fields: "id") { id: ID! label: String! }',
        entities={"Section": keyed(categories, "id")},
    )


MALL: dict[str, Any] = {
    "id": "m1",
    "stands": [
        {"id": "st1", "area": {"id": "a1", "details": "north wing", "label": "North"}},
        {"id": "st2", "area": {"id": "a2", "details": "south wing", "label": "South"}},
    ],
}
MALL_TYPES = """
  type Query { mall: Mall @shareable }
  type Mall @shareable { id: ID! stands: [Stand!]! }
  type Stand @shareable { id: ID! area: Area! }
"""


def h() -> FakeSubgraph:
    return FakeSubgraph("h", LINK + MALL_TYPES + "type Area @shareable { details: String! }", root={"mall": MALL})


def i() -> FakeSubgraph:
    return FakeSubgraph("i", LINK + MALL_TYPES + 'type Area @key(fields: "id") { id: ID! }', root={"mall": MALL})


def j() -> FakeSubgraph:
    areas = [stand["area"] for stand in MALL["stands"]]
    return FakeSubgraph(
        "j",
        LINK + 'type Area @key(fields: "id") { id: ID! label: String! }',
        entities={"Area": keyed(areas, "id")},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b(), c(), d(), e(), f(), g(), h(), i(), j()]) as deployed:
        yield deployed


def _calls(deployment: Deployment, name: str) -> list[list[dict[str, Any]]]:
    return deployment.subgraphs[name].entity_calls()


async def test_key_fields_from_two_other_subgraphs_in_a_list(deployment: Deployment) -> None:
    query = "{ products { id name } }"
    result = await deployment.compare(query)
    assert result["data"]["products"] == [
        {"id": "p1", "name": "Lamp"},
        {"id": "p2", "name": "Rake"},
        {"id": "p3", "name": "Rug"},
    ]
    before = len(_calls(deployment, "d"))
    await deployment.engines["ours"].execute(query)
    sent = _calls(deployment, "d")[before:]
    assert len(sent) == 1  # one _entities call for the whole list
    assert sent[0][1] == {
        "__typename": "Product",
        "id": "p2",
        "pid": "P-2",
        "category": {"id": "c2", "tag": "garden"},
    }


async def test_nested_key_fields_asked_by_the_client_with_aliases(deployment: Deployment) -> None:
    result = await deployment.compare(
        '{ p: product(id: "p3") { cost: price label: name c: category { t: tag id } pid } }'
    )
    assert result["data"]["p"] == {
        "cost": 99,
        "label": "Rug",
        "c": {"t": "home", "id": "c1"},
        "pid": "P-3",
    }


async def test_composed_key_through_an_interface_and_fragments(deployment: Deployment) -> None:
    query = """
      query { items { id ...P } }
      fragment P on Product { name ... on Product { category { tag } } }
    """
    result = await deployment.compare(query)
    assert result["data"]["items"][1] == {"id": "p2", "name": "Rake", "category": {"tag": "garden"}}


async def test_parent_entity_call_gives_the_child_key(deployment: Deployment) -> None:
    """Class 2: ``details`` only in ``e`` (no key for Section there), ``label`` only in ``g``: the
    key ``id`` comes from ``f`` by re-entering ``Shop``; three fetches, as Apollo plans it."""
    result = await deployment.compare("{ shops { id section { details label } } }")
    assert result["data"]["shops"] == [
        {"id": "s1", "section": {"details": "indoor things", "label": "Home"}},
        {"id": "s2", "section": {"details": "outdoor things", "label": "Garden"}},
    ]


async def test_parent_entity_call_with_aliases_and_fragments(deployment: Deployment) -> None:
    query = "{ shops { section { ... on Section { l: label } d: details } } }"
    result = await deployment.compare(query)
    assert result["data"]["shops"][1] == {"section": {"l": "Garden", "d": "outdoor things"}}


async def test_key_from_a_root_reentry_below_value_types_in_a_list(deployment: Deployment) -> None:
    """Class 2 with no entity above: ``Area`` is a value type in ``h`` (``details``), its key ``id``
    comes only from ``i``, whose nearest enterable ancestor is the query root; ``label`` from ``j``."""
    result = await deployment.compare("{ mall { stands { area { details label } } } }")
    assert result["data"]["mall"]["stands"] == [
        {"area": {"details": "north wing", "label": "North"}},
        {"area": {"details": "south wing", "label": "South"}},
    ]
