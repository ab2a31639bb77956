"""Given a worker killed with SIGKILL in the middle of an order, with the shipped broker settings
(the Redis heartbeat timeout and maintenance chance of OrdersSettings), another worker finishes the
order within 15 s, on every configured broker."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from subgraphs.orders.settings import OrdersSettings
from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.products import Products

pytestmark = [pytest.mark.orders, pytest.mark.integration]
ROOT = Path(__file__).resolve().parents[3]
SHIPPED = OrdersSettings.model_fields


async def test_a_killed_workers_order_is_finished_by_another_within_15_seconds(
    orders_stack: StackFactory, products: Products, tmp_path: Path
) -> None:
    product = await products.add(stock=10, price=100)
    shipped = {
        "redis_heartbeat_timeout_ms": SHIPPED["redis_heartbeat_timeout_ms"].default,
        "redis_maintenance_chance": SHIPPED["redis_maintenance_chance"].default,
    }
    async with orders_stack(**shipped) as stack:
        created = await stack.create(str(uuid.uuid4()), [(product, 2)])
        log = (tmp_path / "crash.log").open("w")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.orders.crashing_worker",
                "before_commit",
                stack.settings.model_dump_json(),
                created["id"],
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert process.wait(timeout=60) == -9, (tmp_path / "crash.log").read_text()
        finally:
            if process.poll() is None:
                process.kill()
            log.close()
        killed_at = time.monotonic()
        stack.start_worker()  # the survivor: on Redis its own broker calls requeue the dead worker's message
        await stack.wait_processed([created["id"]], timeout=30)
        recovered = time.monotonic() - killed_at
        print(f"broker {stack.settings.effective_broker_url.split(':')[0]}: redelivered and done in {recovered:.1f}s")
        assert recovered <= 15
        assert await stack.status(created["id"]) == "CONFIRMED"
        assert await products.taken(created["id"]) == 1
