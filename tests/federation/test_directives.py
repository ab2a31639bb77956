"""`@provides`, `@external`, `@shareable` (root and nested), `@override`, `@inaccessible` (types,
fields, enum values, arguments), and a Federation 1 subgraph (`extend type`, `@extends`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable", '
    '"@external", "@requires", "@provides", "@override", "@inaccessible"])\n'
)

PRODUCTS: list[dict[str, Any]] = [
    {"id": "p1", "name": "Table", "price": 10, "code": "T-1", "status": "ACTIVE", "category": {"id": "c1"}},
    {"id": "p2", "name": "Couch", "price": 20, "code": "C-2", "status": "SECRET", "category": {"id": "c2"}},
]
CATEGORIES: list[dict[str, Any]] = [{"id": "c1", "title": "Furniture"}, {"id": "c2", "title": "Sofas"}]


def products() -> FakeSubgraph:
    return FakeSubgraph(
        "products",
        LINK
        + """
        type Query { products: [Product!]! @shareable }
        enum Status { ACTIVE SECRET @inaccessible }
        type Product @key(fields: "id") {
          id: ID! name: String! @shareable price: Int code: String @inaccessible status: Status
          category: Category @shareable
        }
        type Category @key(fields: "id") { id: ID! }
        type Secret @inaccessible { id: ID! }
        """,
        resolvers={"Query.products": lambda _p: PRODUCTS},
        entities={"Product": keyed(PRODUCTS, "id")},
    )


def pricing() -> FakeSubgraph:
    return FakeSubgraph(
        "pricing",
        LINK
        + """
        type Query { products: [Product!]! @shareable deals(maxPrice: Int, region: String @inaccessible): [Deal!]! }
        type Product @key(fields: "id") {
          id: ID! name: String! @external price: Int @override(from: "products") discounted: Int
          category: Category @shareable
        }
        type Category @key(fields: "id") { id: ID! }
        type Deal { title: String product: Product @provides(fields: "name") }
        """,
        resolvers={
            "Query.products": lambda _p: [{**p, "price": p["price"] * 2} for p in PRODUCTS],
            "Query.deals": lambda _p, maxPrice=None, region=None: [
                {"title": f"Deal on {p['name']}", "product": {"id": p["id"], "name": p["name"]}} for p in PRODUCTS
            ],
            "Product.discounted": lambda p: p["price"] - 1 if "price" in p else None,
        },
        entities={
            "Product": lambda rep: next(
                ({**p, "price": p["price"] * 2} for p in PRODUCTS if p["id"] == rep["id"]), None
            )
        },
    )


def categories_fed1() -> FakeSubgraph:
    """A Federation 1 subgraph: no @link, `extend type` with `@external` keys."""
    return FakeSubgraph(
        "categories",
        """
        extend type Query { categories: [Category!]! }
        type Category @key(fields: "id") { id: ID! title: String }
        extend type Product @key(fields: "id") { id: ID! @external inCategory: String }
        """,
        resolvers={
            "Query.categories": lambda _p: CATEGORIES,
            "Product.inCategory": lambda p: f"product {p['id']}",
        },
        entities={"Category": keyed(CATEGORIES, "id"), "Product": lambda rep: dict(rep)},
    )


def tags_fed1() -> FakeSubgraph:
    """A Federation 1 subgraph using ``@extends`` instead of ``extend type``."""
    return FakeSubgraph(
        "tags",
        """
        type Product @extends @key(fields: "id") { id: ID! @external tags: [String!]! }
        """,
        resolvers={"Product.tags": lambda p: [f"tag-{p['id']}"]},
        entities={"Product": lambda rep: dict(rep)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([products(), pricing(), categories_fed1(), tags_fed1()]) as deployed:
        yield deployed


async def test_shareable_root_field_and_override(deployment: Deployment) -> None:
    result = await deployment.compare("{ products { id name price discounted } }")
    assert [p["price"] for p in result["data"]["products"]] == [20, 40]


async def test_provides_avoids_a_hop(deployment: Deployment) -> None:
    before = len(deployment.subgraphs["products"].requests)
    await deployment.compare("{ deals { title product { name } } }")
    assert len(deployment.subgraphs["products"].requests) == before


async def test_provides_then_non_provided_fields(deployment: Deployment) -> None:
    await deployment.compare("{ deals { product { name status inCategory category { title } } } }")


async def test_inaccessible_enum_value_from_a_subgraph(deployment: Deployment) -> None:
    await deployment.compare("{ products { id status } }")


@pytest.mark.parametrize(
    "query",
    [
        "{ products { code } }",
        '{ deals(region: "eu") { title } }',
        "{ products { status(x: 1) } }",
    ],
)
async def test_inaccessible_elements_are_validation_errors(deployment: Deployment, query: str) -> None:
    result = await deployment.compare(query)
    assert result["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_inaccessible_types_are_not_in_introspection(deployment: Deployment) -> None:
    result = await deployment.compare(
        '{ __type(name: "Secret") { name } s: __type(name: "Status") { enumValues { name } } }'
    )
    assert result["data"]["__type"] is None


async def test_federation_1_subgraph(deployment: Deployment) -> None:
    await deployment.compare("{ categories { id title } products { inCategory category { id title } } }")


async def test_federation_1_extends_directive(deployment: Deployment) -> None:
    result = await deployment.compare("{ products { id tags inCategory } deals { product { tags } } }")
    assert result["data"]["products"][0] == {"id": "p1", "tags": ["tag-p1"], "inCategory": "product p1"}
