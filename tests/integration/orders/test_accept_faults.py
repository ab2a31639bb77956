"""Given a database connection lost while an order is being accepted, the caller never gets a 500 for
an order that was (or may have been) stored: the statement is sent again under the same fixed order id
(the doubt is settled by the id), and a database that stays away gives a retryable 503 (UNAVAILABLE)."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import pytest
from sqlalchemy import text

from subgraphs.orders.domain import ItemRequest
from subgraphs.orders.service.accept import ACCEPT_APPLICATION_NAME, OutcomeUnknown, create_accept_engine, insert_order
from subgraphs.orders.validation import ValidOrder
from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import CREATE, OrdersStack, order_input
from tests.integration.orders.products import Products
from tests.support.servers import free_port

pytestmark = [pytest.mark.orders, pytest.mark.integration]

# Makes the acceptance statement of one buyer take a while, so it can be cut in the middle.
SLOW_TRIGGER = """
CREATE OR REPLACE FUNCTION orders.test_slow_accept() RETURNS trigger AS $$
BEGIN
    IF NEW.buyer_id = '{buyer}' AND NOT EXISTS (SELECT 1 FROM orders.test_slowed WHERE id = NEW.id) THEN
        INSERT INTO orders.test_slowed VALUES (NEW.id);
        PERFORM pg_sleep(1.5);
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql
"""


async def ddl(stack: OrdersStack, *statements: str) -> None:
    async with stack.engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


async def test_a_connection_cut_in_the_middle_of_the_acceptance_still_answers_the_order_once(
    orders_stack: StackFactory, products: Products
) -> None:
    product = await products.add(stock=5)
    buyer = str(uuid.uuid4())
    async with orders_stack() as stack:
        await ddl(
            stack,
            "CREATE TABLE IF NOT EXISTS orders.test_slowed (id uuid PRIMARY KEY)",
            SLOW_TRIGGER.format(buyer=buyer),
            "CREATE TRIGGER test_slow_accept BEFORE INSERT ON orders.orders "
            "FOR EACH ROW EXECUTE FUNCTION orders.test_slow_accept()",
        )
        try:
            creating = asyncio.create_task(
                stack.gql(CREATE, {"input": order_input([(product, 1)]), "key": "cut"}, user=buyer)
            )
            await asyncio.sleep(0.6)  # the statement is in its trigger's sleep
            killed = await stack.rows(
                "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name AND state = 'active'",
                name=ACCEPT_APPLICATION_NAME,
            )
            body = await creating
        finally:
            await ddl(stack, "DROP TRIGGER test_slow_accept ON orders.orders")
        assert [row.killed for row in killed] == [True]
        assert "errors" not in body, body
        order_id = body["data"]["createOrder"]["id"]
        stored = await stack.rows("SELECT id FROM orders.orders WHERE buyer_id = :b", b=buyer)
        assert [str(row.id) for row in stored] == [order_id]
        tasks = await stack.rows("SELECT count(*) AS n FROM orders.outbox WHERE order_id = :id", id=stored[0].id)
        assert tasks[0].n == 1


async def test_a_database_that_stays_away_gives_an_outcome_unknown_not_a_crash(database_url: str) -> None:
    unreachable = database_url.rsplit("@", 1)[0] + f"@127.0.0.1:{free_port()}/nowhere"
    engine = create_accept_engine(unreachable, pool_size=1)
    order = ValidOrder((ItemRequest(str(uuid.uuid4()), 1),), "1 Main Street")
    try:
        with pytest.raises(OutcomeUnknown):
            await insert_order(
                engine,
                order_id=uuid.uuid4(),
                buyer_id=str(uuid.uuid4()),
                idempotency_key=None,
                fingerprint=order.fingerprint(),
                order=order,
                due_in=5.0,
            )
    finally:
        await engine.dispose()


async def test_the_api_answers_unavailable_with_the_order_id_when_the_database_stays_away(
    orders_stack: StackFactory, database_url: str
) -> None:
    unreachable = database_url.rsplit("@", 1)[0] + f"@127.0.0.1:{free_port()}/nowhere"
    async with orders_stack() as stack:
        assert stack.app is not None
        state = stack.app.state.orders
        assert state.deps is not None
        away = create_accept_engine(unreachable, pool_size=1)
        state.deps = dataclasses.replace(state.deps, accept_engine=away)  # the writer's database is gone
        try:
            body = await stack.gql(
                CREATE, {"input": order_input([(str(uuid.uuid4()), 1)]), "key": "away"}, user=str(uuid.uuid4())
            )
        finally:
            await away.dispose()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert uuid.UUID(error["extensions"]["orderId"])


async def test_every_pooled_connection_terminated_three_times_costs_no_order(
    orders_stack: StackFactory, products: Products
) -> None:
    """As an operator's pg_terminate_backend on all of the service's connections, three times under load:
    every request answers, every answered order is stored exactly once."""
    product = await products.add(stock=1000)
    buyer = str(uuid.uuid4())
    answered: list[str] = []
    failed: list[object] = []

    async def order(key: str) -> None:
        body = await stack.gql(CREATE, {"input": order_input([(product, 1)]), "key": key}, user=buyer)
        if "errors" in body:
            failed.append(body["errors"])
        else:
            answered.append(body["data"]["createOrder"]["id"])

    async with orders_stack(accept_pool_size=4) as stack:
        for round_ in range(3):
            await asyncio.gather(*(order(f"warm-{round_}-{i}") for i in range(8)))  # every pooled connection used
            await stack.rows(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = :name",
                name=ACCEPT_APPLICATION_NAME,
            )
            await asyncio.gather(*(order(f"after-{round_}-{i}") for i in range(8)))
        stored = await stack.rows("SELECT id FROM orders.orders WHERE buyer_id = :b", b=buyer)
    print(f"orders answered {len(answered)}, failed {len(failed)}, stored {len(stored)}")
    assert failed == []
    assert sorted(answered) == sorted(str(row.id) for row in stored)
    assert len(stored) == 48
