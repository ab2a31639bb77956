"""Given a buyer and products in stock, when the buyer orders, then the worker confirms and prices it."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]


async def test_order_flows_from_pending_to_confirmed_with_total_and_stock(
    orders_stack: StackFactory, products: Products
) -> None:
    seller = str(uuid.uuid4())
    buyer = str(uuid.uuid4())
    lamp = await products.add(stock=5, price=2500, seller_id=seller)
    desk = await products.add(stock=3, price=19900)
    async with orders_stack() as stack:
        created = await stack.create(buyer, [(lamp, 2), (desk, 1)])
        assert created["status"] == "PENDING"
        stack.start_worker()
        statuses = await stack.wait_processed([created["id"]])
        assert statuses[created["id"]] == "CONFIRMED"

        body = await stack.order(created["id"], user=buyer)
        order = body["data"]["order"]
        assert order["total"] == {"amount": 2 * 2500 + 19900, "currency": "EUR"}
        assert order["buyer"] == {"id": buyer}
        assert [(i["product"]["id"], i["quantity"], i["unitPrice"]["amount"]) for i in order["items"]] == [
            (lamp, 2, 2500),
            (desk, 1, 19900),
        ]
        assert [e["status"] for e in order["events"]] == ["PENDING", "CONFIRMED"]
        assert await products.stock(lamp) == 3
        assert await products.stock(desk) == 2
        assert await products.taken(created["id"]) == 1

        # a seller of one of its products may read it; a stranger may not
        seen = await stack.order(created["id"], user=seller)
        assert seen["data"]["order"]["id"] == created["id"]
        stranger = await stack.order(created["id"], user=str(uuid.uuid4()))
        assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_order_is_rejected_when_out_of_stock_or_unknown(orders_stack: StackFactory, products: Products) -> None:
    buyer = str(uuid.uuid4())
    scarce = await products.add(stock=1)
    async with orders_stack() as stack:
        stack.start_worker()
        too_many = await stack.create(buyer, [(scarce, 2)])
        unknown = await stack.create(buyer, [(str(uuid.uuid4()), 1)])
        statuses = await stack.wait_processed([too_many["id"], unknown["id"]])
        assert statuses == {too_many["id"]: "REJECTED", unknown["id"]: "REJECTED"}
        first = (await stack.order(too_many["id"], user=buyer))["data"]["order"]
        second = (await stack.order(unknown["id"], user=buyer))["data"]["order"]
        assert first["rejectionReason"] == "OUT_OF_STOCK"
        assert second["rejectionReason"] == "UNKNOWN_PRODUCT"
        assert first["total"] is None
        assert await products.stock(scarce) == 1
