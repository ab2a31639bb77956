"""The broker (the tests' PRIVATE Redis) killed and started again under mixed load through nginx:
orders are accepted while it is down (the outbox takes them) and every accepted order is processed
once it is back."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.chaos.checks import check_orders
from tests.chaos.history import Operation
from tests.chaos.load import Load
from tests.chaos.platform import ChaosPlatform

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(90)]


async def test_the_broker_killed_and_restarted(chaos: ChaosPlatform) -> None:
    load = Load(chaos.front, chaos.cafile, chaos.catalogue, max_requests=3000)
    running = asyncio.create_task(load.run(30))
    try:
        await asyncio.sleep(4)
        chaos.broker.kill()
        down_from = time.monotonic()
        await asyncio.sleep(8)
        down_until = time.monotonic()
        chaos.broker.start()
        await asyncio.sleep(4)
    finally:
        load.stopping.set()
        history = await running
    back = time.monotonic()
    report = await check_orders(chaos, history, timeout=45)
    settled = time.monotonic() - back
    orders = history.of("order")
    during = [op for op in orders if down_from <= op.started < down_until]
    others = [op for op in orders if not down_from <= op.started < down_until]

    def mean_ms(ops: list[Operation]) -> float:
        return 1000 * sum(op.ended - op.started for op in ops) / max(len(ops), 1)

    print(f"\nbroker down 8 s: {history.summary()}")
    print(
        f"broker: {report}; orders while down {len(during)} (mean {mean_ms(during):.0f} ms) "
        f"vs up {len(others)} (mean {mean_ms(others):.0f} ms); all processed {settled:.1f}s after the load"
    )
    assert [op.status for op in during if op.outcome != "ok"] == []
    assert len([op for op in during if op.outcome == "ok"]) > 0
    assert report.lost == 0
    assert report.unfinished == 0
    assert report.stock_exact
