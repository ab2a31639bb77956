"""Given failures (duplicates, poison, SIGKILL, a broker restart), no order is lost or done twice."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

from subgraphs.orders.domain import ItemRequest
from subgraphs.orders.queue import BrokerPublisher, build_broker
from subgraphs.orders.runtime import http_stock_client
from subgraphs.orders.service.outbox import Task, TaskKind
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.stock import Reservation, StockClient
from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import OrdersStack
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[3]


async def _process_task(stack: OrdersStack, order_id: str) -> Task:
    rows = await stack.rows(
        "SELECT id FROM orders.outbox WHERE order_id = :id AND kind = 'process'", id=uuid.UUID(order_id)
    )
    return Task(int(rows[0].id), uuid.UUID(order_id), TaskKind.PROCESS)


async def _confirmed_events(stack: OrdersStack, order_id: str) -> int:
    rows = await stack.rows(
        "SELECT count(*) AS n FROM orders.order_events WHERE order_id = :id AND status = 'CONFIRMED'",
        id=uuid.UUID(order_id),
    )
    return int(rows[0].n)


async def _drain(stack: OrdersStack) -> None:
    """Wait until the broker holds no message of this stack's queue, then stop the workers."""

    async def empty() -> bool:
        return stack.backlog() == 0

    await stack.wait_until(empty, 60, "the queue to drain")
    stack.stop_workers()


async def test_duplicate_delivery_is_harmless(orders_stack: StackFactory, products: Products) -> None:
    product = await products.add(stock=10, price=300)
    async with orders_stack() as stack:
        created = await stack.create(str(uuid.uuid4()), [(product, 2)])
        task = await _process_task(stack, created["id"])
        publisher = BrokerPublisher(build_broker(stack.settings), stack.settings.queue_name)
        try:
            publisher.publish_sync([task, task, task])  # four copies in all, processed concurrently
            stack.start_worker()
            await stack.wait_processed([created["id"]])
            publisher.publish_sync([task, task])  # and two more after the fact
        finally:
            publisher.close()
        await _drain(stack)
        assert await stack.status(created["id"]) == "CONFIRMED"
        assert await _confirmed_events(stack, created["id"]) == 1
        assert await products.taken(created["id"]) == 1
        assert await products.stock(product) == 8


class PoisonedStock:
    """The real HTTP stock client, except that it always fails for the poisoned orders."""

    def __init__(self, inner: StockClient, poisoned: set[str]) -> None:
        self.inner = inner
        self.poisoned = poisoned

    async def reserve(self, order_id: uuid.UUID, items: Sequence[ItemRequest]) -> Reservation:
        if str(order_id) in self.poisoned:
            raise RuntimeError(f"poison: order {order_id} always fails")
        return await self.inner.reserve(order_id, items)

    async def release(self, order_id: uuid.UUID) -> None:
        await self.inner.release(order_id)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_poison_message_ends_failed_and_dead_lettered_without_blocking_others(
    orders_stack: StackFactory, products: Products
) -> None:
    product = await products.add(stock=10)
    buyer = str(uuid.uuid4())
    async with orders_stack(max_retries=2, retry_min_backoff_ms=300, retry_max_backoff_ms=600) as stack:
        poison = await stack.create(buyer, [(product, 1)])
        poisoned = {poison["id"]}

        def factory(settings: OrdersSettings) -> StockClient:
            return PoisonedStock(http_stock_client(settings), poisoned)

        stack.start_worker(stock_factory=factory, worker_threads=1)
        others = [await stack.create(buyer, [(product, 1)]) for _ in range(3)]
        statuses = await stack.wait_processed([order["id"] for order in others])
        assert set(statuses.values()) == {"CONFIRMED"}
        assert await stack.status(poison["id"]) == "PENDING"  # still retrying while the others went through

        final = await stack.wait_processed([poison["id"]])
        assert final[poison["id"]] == "FAILED"

        async def dead_lettered() -> bool:
            return stack.queue_depth()[2] >= 1

        await stack.wait_until(dead_lettered, 30, "the poison message in the dead-letter queue")
        await stack.wait_released(poison["id"])
        events = await stack.rows(
            "SELECT status FROM orders.order_events WHERE order_id = :id ORDER BY id", id=uuid.UUID(poison["id"])
        )
        assert [row.status for row in events] == ["PENDING", "FAILED"]
        assert await products.taken(poison["id"]) == 0
        assert await products.stock(product) == 7


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
async def test_worker_killed_around_its_commit_leaves_exactly_one_reservation(
    orders_stack: StackFactory, products: Products, point: str, tmp_path: Path
) -> None:
    product = await products.add(stock=10, price=450)
    async with orders_stack() as stack:
        created = await stack.create(str(uuid.uuid4()), [(product, 3)])
        log = (tmp_path / f"crash-{point}.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.orders.crashing_worker",
                point,
                stack.settings.model_dump_json(),
                created["id"],
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            returncode = process.wait(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
        crash_log = (tmp_path / f"crash-{point}.log").read_text()
        assert returncode == -9, crash_log
        assert await products.taken(created["id"]) == 1
        expected_now = "PENDING" if point == "before_commit" else "CONFIRMED"
        assert await stack.status(created["id"]) == expected_now, crash_log

        stack.start_worker()  # the broker redelivers the unacknowledged message to this one
        await stack.wait_processed([created["id"]])
        await _drain(stack)
        assert await stack.status(created["id"]) == "CONFIRMED"
        assert await _confirmed_events(stack, created["id"]) == 1
        assert await products.taken(created["id"]) == 1
        assert await products.stock(product) == 7
        assert await products.reservation_status(created["id"]) == "RESERVED"
