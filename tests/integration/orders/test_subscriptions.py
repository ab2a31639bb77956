"""Given subscribers on one orders instance, when another instance or a worker changes the order, they see it.

Changes travel through PostgreSQL LISTEN/NOTIFY, so the instance that serves the subscriber need
not be the one (or the process) that made the change.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from servicekit.internal import HEADER, mint_service_token
from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import INTERNAL_SECRET
from tests.integration.orders.products import Products
from tests.support.graphql_ws import GraphQLWebSocket, graphql_ws

pytestmark = [pytest.mark.orders, pytest.mark.integration]

ORDER_UPDATED = """
subscription Track($id: ID!) {
  orderUpdated(id: $id) { id status tracking { carrier trackingNumber } events { status description } }
}
"""
MINE = "subscription { myOrderUpdates { id status } }"


def status_of(message: dict[str, Any], field: str = "orderUpdated") -> str:
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message
    return str(message["payload"]["data"][field]["status"])


async def wait_subscribers(stack: Any, count: int) -> None:
    hub = stack.app.state.orders.changes
    for _ in range(200):
        if hub.subscribers >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{hub.subscribers} subscribers registered, expected {count}")


async def next_status(ws: GraphQLWebSocket, op: str, field: str = "orderUpdated") -> str:
    return status_of(await ws.next(op), field)


async def test_a_subscriber_on_one_instance_sees_the_worker_and_the_other_instance(
    orders_stack: StackFactory, products: Products
) -> None:
    seller = str(uuid.uuid4())
    buyer = str(uuid.uuid4())
    lamp = await products.add(stock=5, price=2500, seller_id=seller)
    async with orders_stack() as one, orders_stack() as two:
        created = await one.create(buyer, [(lamp, 1)])
        order_id = created["id"]
        # the buyer on instance one (token in connection_init), the seller on instance two (header)
        async with (
            graphql_ws(f"{one.url}/graphql") as buyer_ws,
            graphql_ws(f"{two.url}/graphql", headers=one.tokens.headers(seller)) as seller_ws,
        ):
            ack = await buyer_ws.init({"Authorization": f"Bearer {one.tokens.token(buyer)}"})
            assert ack["type"] == "connection_ack"
            assert (await seller_ws.init())["type"] == "connection_ack"
            tracked = await buyer_ws.subscribe(ORDER_UPDATED, {"id": order_id})
            mine = await buyer_ws.subscribe(MINE)
            await wait_subscribers(one, 2)  # both registered with instance one's hub
            one.start_worker()  # the worker is another connection, another process's code path
            assert await next_status(buyer_ws, tracked) == "CONFIRMED"
            assert await next_status(buyer_ws, mine, "myOrderUpdates") == "CONFIRMED"

            # the seller follows it on instance two (priced now, so the seller is known)
            seller_op = await seller_ws.subscribe(ORDER_UPDATED, {"id": order_id})
            await wait_subscribers(two, 1)
            paid = await two.update(order_id, {"status": "PAID"}, user=seller)
            assert "errors" not in paid, paid
            assert await next_status(buyer_ws, tracked) == "PAID"
            assert await next_status(seller_ws, seller_op) == "PAID"

            tracking = {"carrier": "DHL", "trackingNumber": "JD0001"}
            shipped = await one.update(order_id, {"status": "SHIPPED", "tracking": tracking}, user=seller)
            assert "errors" not in shipped, shipped
            message = await buyer_ws.next(tracked)
            order = message["payload"]["data"]["orderUpdated"]
            assert order["status"] == "SHIPPED"
            assert order["tracking"] == tracking
            assert [e["status"] for e in order["events"]] == ["PENDING", "CONFIRMED", "PAID", "SHIPPED"]
            assert await next_status(seller_ws, seller_op) == "SHIPPED"

            # a client ends its subscription: complete, and nothing more arrives for it
            await buyer_ws.complete(tracked)
            await asyncio.sleep(0.2)
            delivered = await two.update(order_id, {"status": "DELIVERED"}, user=seller)
            assert "errors" not in delivered, delivered
            seen = [await next_status(buyer_ws, mine, "myOrderUpdates") for _ in range(3)]
            assert seen == ["PAID", "SHIPPED", "DELIVERED"]
            assert buyer_ws.messages[tracked].empty()


async def test_subscriptions_are_authorized_at_start_and_per_event(
    orders_stack: StackFactory, products: Products
) -> None:
    buyer = str(uuid.uuid4())
    lamp = await products.add(stock=5, price=100)
    async with orders_stack() as stack:
        created = await stack.create(buyer, [(lamp, 1)])
        order_id = created["id"]
        async with graphql_ws(f"{stack.url}/graphql") as ws:
            await ws.init()
            anonymous = await ws.subscribe(ORDER_UPDATED, {"id": order_id})
            error = await ws.next(anonymous)
            assert error["type"] == "error" or error["payload"].get("errors"), error
            codes = [e["extensions"]["code"] for e in _errors(error)]
            assert codes == ["UNAUTHENTICATED"]

        async with graphql_ws(f"{stack.url}/graphql", headers=stack.tokens.headers(str(uuid.uuid4()))) as ws:
            await ws.init()
            stranger = await ws.subscribe(ORDER_UPDATED, {"id": order_id})
            assert [e["extensions"]["code"] for e in _errors(await ws.next(stranger))] == ["FORBIDDEN"]
            unknown = await ws.subscribe(ORDER_UPDATED, {"id": str(uuid.uuid4())})
            assert [e["extensions"]["code"] for e in _errors(await ws.next(unknown))] == ["NOT_FOUND"]

        # a token that expires ends the stream, with or without an event
        short = stack.tokens.token(buyer, ttl=2)
        async with graphql_ws(f"{stack.url}/graphql") as ws:
            await ws.init({"Authorization": f"Bearer {short}"})
            op = await ws.subscribe(ORDER_UPDATED, {"id": order_id})
            ended = await ws.next(op, timeout=15)
            assert [e["extensions"]["code"] for e in _errors(ended)] == ["UNAUTHENTICATED"]
            assert "expired" in _errors(ended)[0]["message"]


def _errors(message: dict[str, Any]) -> list[dict[str, Any]]:
    if message["type"] == "error":
        return list(message["payload"])
    return list(message["payload"]["errors"])


async def test_the_router_service_token_is_not_needed_for_subscriptions(
    orders_stack: StackFactory, products: Products
) -> None:
    """Subscriptions are public root fields like ``order``: a service token changes nothing."""
    buyer = str(uuid.uuid4())
    lamp = await products.add(stock=5, price=100)
    async with orders_stack() as stack:
        created = await stack.create(buyer, [(lamp, 1)])
        headers = {**stack.tokens.headers(buyer), HEADER: mint_service_token(INTERNAL_SECRET, "router")}
        async with graphql_ws(f"{stack.url}/graphql", headers=headers) as ws:
            await ws.init()
            op = await ws.subscribe(ORDER_UPDATED, {"id": created["id"]})
            await asyncio.sleep(0.3)
            cancelled = await stack.update(created["id"], {"status": "CANCELLED"}, user=buyer)
            assert "errors" not in cancelled, cancelled
            assert await next_status(ws, op) == "CANCELLED"


async def test_only_committed_changes_are_sent_and_a_lost_listener_catches_up(
    orders_stack: StackFactory, products: Products
) -> None:
    """NOTIFY is transactional (a rolled-back change sends nothing); when the listening connection is
    killed, the hub reconnects and sends the current state of every followed order."""
    buyer = str(uuid.uuid4())
    lamp = await products.add(stock=5, price=100)
    async with orders_stack() as stack:
        created = await stack.create(buyer, [(lamp, 1)])
        order_id = uuid.UUID(created["id"])
        async with graphql_ws(f"{stack.url}/graphql", headers=stack.tokens.headers(buyer)) as ws:
            await ws.init()
            op = await ws.subscribe(ORDER_UPDATED, {"id": created["id"]})
            await asyncio.sleep(0.3)
            async with stack.engine.connect() as connection:
                transaction = await connection.begin()
                await connection.execute(
                    text("UPDATE orders.orders SET status = 'CONFIRMED' WHERE id = :id"), {"id": order_id}
                )
                await transaction.rollback()
            await asyncio.sleep(1.0)
            assert ws.messages[op].empty()  # nothing for a change that was never committed
            async with stack.engine.begin() as connection:
                await connection.execute(
                    text("UPDATE orders.orders SET shipping_address = 'Rolled forward' WHERE id = :id"),
                    {"id": order_id},
                )
            assert await next_status(ws, op) == "PENDING"

            # kill the hub's listening connection (in this test's own database only)
            hub = stack.app.state.orders.changes if stack.app is not None else None
            assert hub is not None
            killed = await stack.rows(
                "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity "
                "WHERE application_name = 'orders-changes' AND datname = current_database()"
            )
            assert killed
            assert all(row.ok for row in killed)
            # the current state comes again after the reconnection, without any change
            assert await next_status(ws, op) == "PENDING"
            await asyncio.wait_for(hub.connected.wait(), 10)
            cancelled = await stack.update(created["id"], {"status": "CANCELLED"}, user=buyer)
            assert "errors" not in cancelled, cancelled
            assert await next_status(ws, op) == "CANCELLED"
