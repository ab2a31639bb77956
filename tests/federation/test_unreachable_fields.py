"""Fields reachable only through a `resolvable: false` key or a non-resolvable `@interfaceObject`
(issue 14, class 4) are a planning error, never silently left out of a fetch.

Apollo's composition refuses such subgraphs (the fields are unsatisfiable), but a supergraph can
carry them (an older composition, a hand-written or edited supergraph), so the fixture edits the
composed supergraph: ``b``'s key of ``Product`` and ``d``'s key of the ``Media`` interface object
become ``resolvable: false``. Apollo Gateway answers with an error and no data ("Was not able to find
any options for ..."); we answer ``QUERY_PLANNING_FAILED`` naming the field. Compared by the presence
of errors and equal (absent) data; the message is checked on ours.
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
    'import: ["@key", "@shareable", "@interfaceObject"])\n'
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Lamp", "info": {"a": 1, "b": 2}, "extra": "x"},
    {"id": "p2", "name": "Rake", "info": {"a": 3, "b": 4}, "extra": "y"},
]
BOOKS: list[dict[str, Any]] = [{"__typename": "Book", "id": "b1", "pages": 300, "rating": 5}]


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { products: [Product!]! }
        type Product @key(fields: "id") { id: ID! name: String info: Info @shareable }
        type Info @shareable { a: Int }
        """,
        root={"products": PRODUCTS},
        entities={"Product": keyed(PRODUCTS, "id")},
    )


def b() -> FakeSubgraph:
    return FakeSubgraph(
        "b",
        LINK
        + """
        type Product @key(fields: "id") { id: ID! extra: String info: Info @shareable }
        type Info @shareable { a: Int b: Int }
        """,
        entities={"Product": keyed(PRODUCTS, "id")},
    )


def c() -> FakeSubgraph:
    return FakeSubgraph(
        "c",
        LINK
        + """
        type Query { media: [Media!]! books: [Book!]! }
        interface Media @key(fields: "id") { id: ID! }
        type Book implements Media @key(fields: "id") { id: ID! pages: Int }
        """,
        root={"media": BOOKS, "books": BOOKS},
        entities={"Book": keyed(BOOKS, "id")},
    )


def d() -> FakeSubgraph:
    return FakeSubgraph(
        "d",
        LINK + 'type Media @key(fields: "id") @interfaceObject { id: ID! rating: Int }',
        entities={"Media": keyed(BOOKS, "id")},
    )


def not_resolvable(sdl: str) -> str:
    return sdl.replace(
        '@join__type(graph: B, key: "id")', '@join__type(graph: B, key: "id", resolvable: false)'
    ).replace(
        '@join__type(graph: D, key: "id", isInterfaceObject: true)',
        '@join__type(graph: D, key: "id", resolvable: false, isInterfaceObject: true)',
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b(), c(), d()], edit=not_resolvable) as deployed:
        yield deployed


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ products { name extra } }", "Product.extra"),
        ("{ products { n: name e: extra } }", "Product.extra"),
        ("{ products { info { a b } } }", "Info.b"),
        ("query { products { ...P } } fragment P on Product { ... on Product { extra } }", "Product.extra"),
        ("{ media { id rating } }", "rating"),
        ("{ books { ... on Media { rating } } }", "rating"),
        ("{ media { ... on Book { pages rating } } }", "rating"),
    ],
)
async def test_unreachable_field_is_a_planning_error(deployment: Deployment, query: str, field: str) -> None:
    await deployment.compare(query, errors="presence")
    ours = await deployment.ours(query)
    assert ours.get("data") is None
    [error] = ours["errors"]
    assert error["extensions"]["code"] == "QUERY_PLANNING_FAILED"
    assert field in error["message"]


async def test_the_reachable_fields_still_work(deployment: Deployment) -> None:
    result = await deployment.compare("{ products { name info { a } } books { id pages } }")
    assert result["data"]["products"][1] == {"name": "Rake", "info": {"a": 3}}
