"""pg_terminate_backend on every connection of the platform's own database, three times, under mixed
load through nginx: no 5xx for an order that was committed, every accepted order ends CONFIRMED or
REJECTED, nothing is lost."""

from __future__ import annotations

import asyncio

import pytest

from tests.chaos.checks import check_orders
from tests.chaos.load import Load
from tests.chaos.platform import ChaosPlatform

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(90)]


async def test_every_connection_terminated_three_times(chaos: ChaosPlatform) -> None:
    load = Load(chaos.front, chaos.cafile, chaos.catalogue, max_requests=3000)
    running = asyncio.create_task(load.run(30))
    terminated = []
    try:
        for _ in range(3):
            await asyncio.sleep(4)
            rows = await chaos.rows(
                "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()",  # only this test's own database
                db=chaos.database,
            )
            terminated.append(sum(1 for row in rows if row.done))
        await asyncio.sleep(4)
    finally:
        load.stopping.set()
        history = await running
    report = await check_orders(chaos, history)
    failed = history.failed("graphql-read", "rest-read", "login", "order")
    print(f"\npg_terminate_backend x3 ({terminated} connections): {history.summary()}")
    print(f"pg_terminate_backend: {report}; not ok after retry {len(failed)}")
    assert all(count > 0 for count in terminated)
    assert report.committed_but_5xx == 0
    assert report.lost == 0
    assert report.unfinished == 0
    assert report.duplicated == 0
    assert report.stock_exact
