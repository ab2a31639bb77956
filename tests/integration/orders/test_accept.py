"""Given the one-statement acceptance path, an order is written whole or not at all, its task is
published after the response, and a dead pooled connection costs the caller nothing."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from subgraphs.orders.domain import ItemRequest
from subgraphs.orders.service.accept import ACCEPT_APPLICATION_NAME, create_accept_engine, insert_order
from subgraphs.orders.validation import ValidOrder
from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]


async def test_an_accepted_order_has_its_items_event_and_task_and_the_task_is_published(
    orders_stack: StackFactory, products: Products
) -> None:
    ids = [await products.add(stock=5) for _ in range(3)]
    async with orders_stack() as stack:
        created = await stack.create(str(uuid.uuid4()), [(ids[2], 3), (ids[0], 1), (ids[1], 2)])
        order_id = uuid.UUID(created["id"])
        assert created["status"] == "PENDING"
        items = await stack.rows(
            "SELECT product_id, position, quantity FROM orders.order_items WHERE order_id = :id ORDER BY position",
            id=order_id,
        )
        assert [(row.product_id, row.position, row.quantity) for row in items] == [
            (ids[2], 0, 3),
            (ids[0], 1, 1),
            (ids[1], 2, 2),
        ]
        events = await stack.rows(
            "SELECT status, description FROM orders.order_events WHERE order_id = :id", id=order_id
        )
        assert [(row.status, row.description) for row in events] == [("PENDING", "order received")]

        await stack.wait_dispatched()
        tasks = await stack.rows(
            "SELECT kind, publish_count, done_at, due_at > published_at AS pushed FROM orders.outbox "
            "WHERE order_id = :id",
            id=order_id,
        )
        assert [(row.kind, row.publish_count, row.done_at, row.pushed) for row in tasks] == [("process", 1, None, True)]
        assert stack.backlog() == 1  # the message is in the broker


async def test_a_part_that_fails_leaves_nothing_behind(database_url: str) -> None:
    engine = create_accept_engine(database_url, pool_size=1)
    order_id = uuid.uuid4()
    # quantity 0 passes no validation; here it reaches the database and breaks the items' CHECK
    bad = ValidOrder((ItemRequest(str(uuid.uuid4()), 1), ItemRequest(str(uuid.uuid4()), 0)), "1 Main Street")
    try:
        with pytest.raises(IntegrityError):
            await insert_order(
                engine,
                order_id=order_id,
                buyer_id=str(uuid.uuid4()),
                idempotency_key=None,
                fingerprint=bad.fingerprint(),
                order=bad,
                due_in=5.0,
            )
        async with engine.connect() as connection:
            counts = (
                await connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM orders.orders WHERE id = :id) AS orders, "
                        "(SELECT count(*) FROM orders.order_items WHERE order_id = :id) AS items, "
                        "(SELECT count(*) FROM orders.order_events WHERE order_id = :id) AS events, "
                        "(SELECT count(*) FROM orders.outbox WHERE order_id = :id) AS tasks"
                    ),
                    {"id": order_id},
                )
            ).one()
        assert tuple(counts) == (0, 0, 0, 0)
    finally:
        await engine.dispose()


async def test_a_dead_pooled_connection_is_replaced_without_an_error(
    orders_stack: StackFactory, products: Products
) -> None:
    product = await products.add(stock=5)
    buyer = str(uuid.uuid4())
    async with orders_stack() as stack:
        first = await stack.create(buyer, [(product, 1)], key="first")
        await stack.wait_dispatched()
        killed = await stack.rows(
            "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = :name",
            name=ACCEPT_APPLICATION_NAME,
        )
        assert killed, "the app holds a pooled connection"
        assert all(row.killed for row in killed)  # as if the database had restarted

        second = await stack.create(buyer, [(product, 1)], key="second")
        replay = await stack.create(buyer, [(product, 1)], key="first")
        assert second["id"] != first["id"]
        assert replay["id"] == first["id"]
        orders = await stack.rows("SELECT count(*) AS n FROM orders.orders WHERE buyer_id = :b", b=buyer)
        assert orders[0].n == 2
