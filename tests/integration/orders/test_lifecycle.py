"""Given a confirmed order, the state machine decides who may move it where; every move is recorded."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import OrdersStack
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]

DELETE = "mutation Delete($id: ID!) { deleteOrder(id: $id) { id status } }"
LIST = """
query List($reps: [_Any!]!, $limit: Int, $offset: Int) {
  _entities(representations: $reps) {
    ... on User { orders(limit: $limit, offset: $offset) { totalCount hasNextPage limit offset items { id status } } }
  }
}
"""
SHIP = {
    "status": "SHIPPED",
    "tracking": {"carrier": "UPS", "trackingNumber": "1Z999", "trackingUrl": "https://ups.example/1Z999"},
}


def code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else None


async def confirmed_order(
    stack: OrdersStack, products: Products, seller: str, quantity: int = 2
) -> tuple[str, str, str]:
    product = await products.add(stock=20, seller_id=seller)
    buyer = str(uuid.uuid4())
    created = await stack.create(buyer, [(product, quantity)])
    assert (await stack.wait_processed([created["id"]]))[created["id"]] == "CONFIRMED"
    return created["id"], buyer, product


async def test_seller_moves_order_along_and_buyer_cannot(orders_stack: StackFactory, products: Products) -> None:
    seller = str(uuid.uuid4())
    async with orders_stack() as stack:
        stack.start_worker()
        order_id, buyer, _ = await confirmed_order(stack, products, seller)
        assert code(await stack.update(order_id, {"status": "PAID"}, user=buyer)) == "FORBIDDEN"
        assert code(await stack.update(order_id, {"status": "SHIPPED"}, user=seller)) == "CONFLICT"
        assert code(await stack.update(order_id, {"status": "REJECTED"}, user=seller)) == "BAD_USER_INPUT"
        assert code(await stack.update(order_id, {"status": "PAID"}, user=seller)) is None
        missing_tracking = await stack.update(order_id, {"status": "SHIPPED"}, user=seller)
        assert code(missing_tracking) == "BAD_USER_INPUT"
        assert missing_tracking["errors"][0]["extensions"]["field"] == "tracking"
        shipped = await stack.update(order_id, SHIP, user=seller)
        assert shipped["data"]["updateOrder"]["tracking"] == {"carrier": "UPS", "trackingNumber": "1Z999"}
        assert code(await stack.update(order_id, {"shippingAddress": "elsewhere"}, user=buyer)) == "CONFLICT"
        assert code(await stack.update(order_id, {"status": "CANCELLED"}, user=buyer)) == "CONFLICT"
        assert code(await stack.update(order_id, {"status": "DELIVERED"}, user=str(uuid.uuid4()), role="ADMIN")) is None
        order = (await stack.order(order_id, user=buyer))["data"]["order"]
        assert [event["status"] for event in order["events"]] == [
            "PENDING",
            "CONFIRMED",
            "PAID",
            "SHIPPED",
            "DELIVERED",
        ]
        assert order["tracking"]["trackingUrl"] == "https://ups.example/1Z999"


async def test_buyer_changes_address_then_cancel_releases_stock_exactly_once(
    orders_stack: StackFactory, products: Products
) -> None:
    seller = str(uuid.uuid4())
    async with orders_stack() as stack:
        stack.start_worker()
        order_id, buyer, product = await confirmed_order(stack, products, seller, quantity=4)
        assert await products.stock(product) == 16
        assert code(await stack.update(order_id, {"shippingAddress": "2 Side Road"}, user=seller)) == "FORBIDDEN"
        moved = await stack.update(order_id, {"shippingAddress": "  2 Side Road  "}, user=buyer)
        assert moved["data"]["updateOrder"]["shippingAddress"] == "2 Side Road"
        cancelled = await stack.update(order_id, {"status": "CANCELLED"}, user=buyer)
        assert cancelled["data"]["updateOrder"]["status"] == "CANCELLED"
        assert code(await stack.update(order_id, {"status": "CANCELLED"}, user=buyer)) == "CONFLICT"
        await stack.wait_released(order_id)
        assert await products.stock(product) == 20
        assert await products.reservation_status(order_id) == "RELEASED"
        released = await stack.rows(
            "SELECT stock_released_at FROM orders.orders WHERE id = :id", id=uuid.UUID(order_id)
        )
        assert released[0].stock_released_at is not None


async def test_cancel_while_pending_reserves_nothing(orders_stack: StackFactory, products: Products) -> None:
    product = await products.add(stock=5)
    buyer = str(uuid.uuid4())
    async with orders_stack() as stack:
        created = await stack.create(buyer, [(product, 1)])
        assert code(await stack.update(created["id"], {"status": "CANCELLED"}, user=buyer)) is None
        stack.start_worker()
        await stack.wait_released(created["id"])
        await stack.wait_until(lambda: _all_tasks_done(stack, created["id"]), 30, "the process task to be done")
        assert await products.taken(created["id"]) == 0
        assert await products.stock(product) == 5
        assert await stack.status(created["id"]) == "CANCELLED"


async def _all_tasks_done(stack: OrdersStack, order_id: str) -> bool:
    rows = await stack.rows(
        "SELECT count(*) AS n FROM orders.outbox WHERE order_id = :id AND done_at IS NULL", id=uuid.UUID(order_id)
    )
    return int(rows[0].n) == 0


async def test_delete_cancels_and_hides_but_never_erases(orders_stack: StackFactory, products: Products) -> None:
    seller = str(uuid.uuid4())
    async with orders_stack() as stack:
        stack.start_worker()
        order_id, buyer, product = await confirmed_order(stack, products, seller)
        keep = await stack.create(buyer, [(product, 1)])
        reps = [{"__typename": "User", "id": buyer}]
        listed = await stack.gql(LIST, {"reps": reps, "limit": 1}, user=buyer)
        page = listed["data"]["_entities"][0]["orders"]
        assert page["totalCount"] == 2
        assert page["hasNextPage"] is True
        assert code(await stack.gql(DELETE, {"id": order_id}, user=seller)) == "FORBIDDEN"
        deleted = await stack.gql(DELETE, {"id": order_id}, user=buyer)
        assert deleted["data"]["deleteOrder"]["status"] == "CANCELLED"
        again = await stack.gql(DELETE, {"id": order_id}, user=buyer)
        assert again["data"]["deleteOrder"]["status"] == "CANCELLED"
        listed = await stack.gql(LIST, {"reps": reps}, user=buyer)
        assert [item["id"] for item in listed["data"]["_entities"][0]["orders"]["items"]] == [keep["id"]]
        assert (await stack.order(order_id, user=buyer))["data"]["order"]["status"] == "CANCELLED"
        other = await stack.gql(LIST, {"reps": reps}, user=str(uuid.uuid4()))
        assert code(other) == "FORBIDDEN"
        admin = await stack.gql(LIST, {"reps": reps}, user=str(uuid.uuid4()), role="ADMIN")
        assert admin["data"]["_entities"][0]["orders"]["totalCount"] == 1
        await stack.wait_released(order_id)
        assert len(await stack.rows("SELECT 1 FROM orders.orders WHERE id = :id", id=uuid.UUID(order_id))) == 1
