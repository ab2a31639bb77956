"""Entities: single, composite, nested-composite and multiple keys, `resolvable: false`, chains
through four subgraphs, `@requires`, a key field that comes back null, failing subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires", "@provides"])\n'
)

USERS: list[dict[str, Any]] = [
    {"id": "u1", "email": "ada@example.com", "name": "Ada"},
    {"id": "u2", "email": "bob@example.com", "name": "Bob"},
]
PRODUCTS: list[dict[str, Any]] = [
    {
        "upc": "1",
        "sku": "T",
        "variant": {"id": "v1"},
        "name": "Table",
        "price": 899,
        "weight": 100,
        "seller": {"id": "u1"},
        "shipment": {"trackingId": "s1"},
    },
    {
        "upc": "2",
        "sku": "C",
        "variant": {"id": "v2"},
        "name": "Couch",
        "price": 1299,
        "weight": 1000,
        "seller": {"id": "u2"},
        "shipment": {"trackingId": None},
    },
    {
        "upc": "3",
        "sku": "H",
        "variant": {"id": "v1"},
        "name": "Chair",
        "price": 54,
        "weight": 50,
        "seller": {"id": "u1"},
        "shipment": None,
    },
]
REVIEWS: list[dict[str, Any]] = [
    {"id": "r1", "body": "Love it!", "author": {"email": "ada@example.com"}, "product": {"upc": "1"}},
    {"id": "r2", "body": "Too expensive.", "author": {"email": "bob@example.com"}, "product": {"upc": "2"}},
    {"id": "r3", "body": "Could be better.", "author": {"email": "ada@example.com"}, "product": {"upc": "2"}},
]
STOCK = {("T", "v1"): True, ("C", "v2"): False, ("H", "v1"): True}


def accounts() -> FakeSubgraph:
    return FakeSubgraph(
        "accounts",
        LINK
        + """
        type Query { me: User users: [User!]! }
        type User @key(fields: "id") @key(fields: "email") { id: ID! email: String! name: String }
        """,
        root={"me": USERS[0], "users": USERS},
        entities={"User": lambda rep: keyed(USERS, "id")(rep) if "id" in rep else keyed(USERS, "email")(rep)},
    )


def products() -> FakeSubgraph:
    return FakeSubgraph(
        "products",
        LINK
        + """
        type Query { topProducts(first: Int = 5): [Product!]! product(upc: String!): Product }
        type Product @key(fields: "upc") @key(fields: "sku variant { id }") {
          upc: String! sku: String! variant: Variant! name: String price: Int weight: Int
          seller: User shipment: Shipment
        }
        type Variant @shareable { id: ID! }
        type User @key(fields: "id", resolvable: false) { id: ID! }
        type Shipment @key(fields: "trackingId", resolvable: false) { trackingId: String }
        """,
        resolvers={
            "Query.topProducts": lambda _p, first: PRODUCTS[:first],
            "Query.product": lambda _p, upc: next((p for p in PRODUCTS if p["upc"] == upc), None),
        },
        entities={
            "Product": lambda rep: (
                keyed(PRODUCTS, "upc")(rep) if "upc" in rep else keyed(PRODUCTS, "sku", "variant")(rep)
            )
        },
    )


def reviews() -> FakeSubgraph:
    def by_product(product: dict[str, Any]) -> list[dict[str, Any]]:
        if product["upc"] == "3":
            raise ValueError("reviews of chairs are unavailable")
        return [r for r in REVIEWS if r["product"]["upc"] == product["upc"]]

    return FakeSubgraph(
        "reviews",
        LINK
        + """
        type Review @key(fields: "id") { id: ID! body: String! author: User product: Product }
        type User @key(fields: "email") { email: String! reviews: [Review!]! }
        type Product @key(fields: "upc") { upc: String! reviews: [Review!] }
        """,
        resolvers={
            "Product.reviews": by_product,
            "User.reviews": lambda user: [r for r in REVIEWS if r["author"]["email"] == user["email"]],
        },
        entities={
            "Review": keyed(REVIEWS, "id"),
            "User": lambda rep: dict(rep),
            "Product": lambda rep: dict(rep),
        },
    )


def inventory() -> FakeSubgraph:
    def estimate(product: dict[str, Any]) -> int:
        return 0 if product["price"] > 1000 else product["weight"] // 2

    return FakeSubgraph(
        "inventory",
        LINK
        + """
        type Product @key(fields: "sku variant { id }") {
          sku: String! variant: Variant! inStock: Boolean!
          price: Int @external weight: Int @external
          shippingEstimate: Int @requires(fields: "price weight")
        }
        type Variant @shareable { id: ID! }
        type Shipment @key(fields: "trackingId") { trackingId: String carrier: String }
        """,
        resolvers={
            "Product.inStock": lambda p: STOCK[(p["sku"], p["variant"]["id"])],
            "Product.shippingEstimate": estimate,
        },
        entities={
            "Product": lambda rep: dict(rep),
            "Shipment": lambda rep: {**rep, "carrier": "UPS"} if rep["trackingId"] else None,
        },
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([accounts(), products(), reviews(), inventory()]) as deployed:
        yield deployed


async def test_single_subgraph(deployment: Deployment) -> None:
    result = await deployment.compare("{ topProducts(first: 2) { upc name } }")
    assert result["data"]["topProducts"] == [{"upc": "1", "name": "Table"}, {"upc": "2", "name": "Couch"}]


async def test_entity_hop_with_composite_nested_key(deployment: Deployment) -> None:
    result = await deployment.compare("{ topProducts { name inStock } }")
    assert [p["inStock"] for p in result["data"]["topProducts"]] == [True, False, True]


async def test_requires(deployment: Deployment) -> None:
    result = await deployment.compare("{ topProducts { name shippingEstimate } }")
    assert [p["shippingEstimate"] for p in result["data"]["topProducts"]] == [50, 0, 25]


async def test_chain_through_four_subgraphs(deployment: Deployment) -> None:
    await deployment.compare(
        """
        { topProducts(first: 2) {
            name inStock
            reviews { body author { name reviews { product { name shippingEstimate } } } }
        } }
        """
    )


async def test_multiple_keys_resolvable_false_reference(deployment: Deployment) -> None:
    await deployment.compare("{ topProducts { seller { id name email reviews { body } } } }")


async def test_key_field_that_comes_back_null(deployment: Deployment) -> None:
    result = await deployment.compare("{ topProducts { upc shipment { trackingId carrier } } }")
    assert [p["shipment"] for p in result["data"]["topProducts"]] == [
        {"trackingId": "s1", "carrier": "UPS"},
        {"trackingId": None, "carrier": None},
        None,
    ]


async def test_entity_error_is_repathed(deployment: Deployment) -> None:
    result = await deployment.compare("{ topProducts { name reviews { body } } }")
    assert result["errors"][0]["path"] == ["topProducts", 2, "reviews"]


async def test_root_entity_field_with_variables(deployment: Deployment) -> None:
    query = "query P($upc: String!) { product(upc: $upc) { name inStock seller { name } } }"
    await deployment.compare(query, {"upc": "2"}, "P")
    await deployment.compare(query, {"upc": "404"}, "P")


async def test_subgraph_down_gives_partial_data(deployment: Deployment) -> None:
    deployment.subgraphs["inventory"].fail_status = 500
    try:
        result = await deployment.compare("{ topProducts { name inStock } }", errors="presence")
    finally:
        deployment.subgraphs["inventory"].fail_status = None
    assert result["data"] is None or result["data"]["topProducts"] is not None
