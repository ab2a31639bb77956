"""Given bad or unauthenticated requests, the API answers with clear coded errors and changes nothing;
``_entities`` resolves orders and ``_service`` gives the SDL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import CREATE, order_input
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]


def error(body: dict[str, Any]) -> dict[str, Any]:
    assert body.get("data") is None or body["data"].get("createOrder") is None, body
    extensions: dict[str, Any] = body["errors"][0]["extensions"]
    return extensions


async def test_create_order_validates_input(orders_stack: StackFactory, products: Products) -> None:
    product = await products.add(stock=5)
    buyer = str(uuid.uuid4())
    many = [(str(uuid.uuid4()), 1) for _ in range(51)]
    cases: list[tuple[dict[str, Any], str]] = [
        (order_input([]), "items"),
        (order_input(many), "items"),
        (order_input([(product, 1), (product, 2)]), "items.1.productId"),
        (order_input([(product, 0)]), "items.0.quantity"),
        (order_input([(product, 1001)]), "items.0.quantity"),
        (order_input([("not-an-id", 1)]), "items.0.productId"),
        (order_input([(product, 1)], address="   "), "shippingAddress"),
    ]
    async with orders_stack() as stack:
        for payload, field in cases:
            extensions = error(await stack.gql(CREATE, {"input": payload}, user=buyer))
            assert extensions == {"code": "BAD_USER_INPUT", "field": field}, payload
        bad_key = await stack.gql(CREATE, {"input": order_input([(product, 1)]), "key": ""}, user=buyer)
        assert error(bad_key)["code"] == "BAD_USER_INPUT"
        anonymous = await stack.gql(CREATE, {"input": order_input([(product, 1)])})
        assert error(anonymous)["code"] == "UNAUTHENTICATED"
        rows = await stack.rows("SELECT count(*) AS n FROM orders.orders WHERE buyer_id = :b", b=buyer)
        assert rows[0].n == 0


async def test_entities_resolve_orders_for_allowed_callers(orders_stack: StackFactory, products: Products) -> None:
    product = await products.add(stock=5)
    buyer = str(uuid.uuid4())
    query = """
    query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id status buyer { id } } } }
    """
    async with orders_stack() as stack:
        created = await stack.create(buyer, [(product, 1)])
        reps = [{"__typename": "Order", "id": created["id"]}, {"__typename": "Order", "id": str(uuid.uuid4())}]
        body = await stack.gql(query, {"reps": reps}, user=buyer)
        assert body["data"]["_entities"] == [{"id": created["id"], "status": "PENDING", "buyer": {"id": buyer}}, None]
        unknown = await stack.order(str(uuid.uuid4()), user=buyer)
        assert unknown["data"]["order"] is None
        sdl = await stack.gql("{ _service { sdl } }")
        assert 'type Order @key(fields: "id")' in sdl["data"]["_service"]["sdl"]
