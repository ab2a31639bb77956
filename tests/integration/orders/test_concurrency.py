"""Given many requests at once, the guarded writes let exactly the right ones through."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import CREATE, order_input
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]


async def test_200_concurrent_orders_for_stock_10_confirm_exactly_10(
    orders_stack: StackFactory, products: Products
) -> None:
    product = await products.add(stock=10, price=700)
    async with orders_stack() as stack:
        stack.start_worker()
        buyers = [str(uuid.uuid4()) for _ in range(200)]
        created = await asyncio.gather(*(stack.create(buyer, [(product, 1)]) for buyer in buyers))
        ids = [order["id"] for order in created]
        assert len(set(ids)) == 200
        statuses = await stack.wait_processed(ids, timeout=120)
        confirmed = [order_id for order_id, status in statuses.items() if status == "CONFIRMED"]
        assert len(confirmed) == 10
        assert sorted(set(statuses.values())) == ["CONFIRMED", "REJECTED"]
        assert await products.stock(product) == 0
        assert sum([await products.taken(order_id) for order_id in ids]) == 10


async def test_50_concurrent_submissions_with_one_key_make_one_order(
    orders_stack: StackFactory, products: Products
) -> None:
    product = await products.add(stock=100)
    buyer = str(uuid.uuid4())
    key = f"checkout-{uuid.uuid4()}"
    async with orders_stack() as stack:
        created = await asyncio.gather(*(stack.create(buyer, [(product, 3)], key=key) for _ in range(50)))
        assert len({order["id"] for order in created}) == 1
        order_id = uuid.UUID(created[0]["id"])
        assert len(await stack.rows("SELECT 1 FROM orders.orders WHERE idempotency_key = :k", k=key)) == 1
        tasks = await stack.rows("SELECT kind FROM orders.outbox WHERE order_id = :id", id=order_id)
        assert [row.kind for row in tasks] == ["process"]

        # the same key with other input is a conflict; another buyer's same key is another order
        clash = await stack.gql(CREATE, {"input": order_input([(product, 4)]), "key": key}, user=buyer)
        assert clash["errors"][0]["extensions"]["code"] == "CONFLICT"
        other = await stack.create(str(uuid.uuid4()), [(product, 3)], key=key)
        assert other["id"] != created[0]["id"]

        stack.start_worker()
        await stack.wait_processed([created[0]["id"], other["id"]])
        assert await products.taken(created[0]["id"]) == 1


async def test_concurrent_cancel_and_ship_exactly_one_wins(orders_stack: StackFactory, products: Products) -> None:
    seller = str(uuid.uuid4())
    product = await products.add(stock=50, seller_id=seller)
    async with orders_stack() as stack:
        stack.start_worker()
        buyers = [str(uuid.uuid4()) for _ in range(5)]
        orders = [await stack.create(buyer, [(product, 1)]) for buyer in buyers]
        await stack.wait_processed([order["id"] for order in orders])
        for order in orders:
            paid = await stack.update(order["id"], {"status": "PAID"}, user=seller)
            assert paid["data"]["updateOrder"]["status"] == "PAID"
        ship = {"status": "SHIPPED", "tracking": {"carrier": "DHL", "trackingNumber": "JD0001"}}
        for buyer, order in zip(buyers, orders, strict=True):
            cancel, shipped = await asyncio.gather(
                stack.update(order["id"], {"status": "CANCELLED"}, user=buyer),
                stack.update(order["id"], ship, user=seller),
            )
            outcomes = [body.get("errors", [{}])[0].get("extensions", {}).get("code") for body in (cancel, shipped)]
            assert sorted(outcomes, key=str) == sorted([None, "CONFLICT"], key=str), (cancel, shipped)
            final = await stack.status(order["id"])
            assert final == ("CANCELLED" if outcomes[0] is None else "SHIPPED")
            events = await stack.rows(
                "SELECT status FROM orders.order_events WHERE order_id = :id AND status IN ('CANCELLED', 'SHIPPED')",
                id=uuid.UUID(order["id"]),
            )
            assert len(events) == 1
