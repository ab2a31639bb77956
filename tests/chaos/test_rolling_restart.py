"""A rolling restart of every instance (`marketplace restart`, i.e. SIGHUP to the launcher) under mixed
load through nginx: the client sees no non-2xx answer at all, not even before its retry, and every
operation succeeds (a request sent on a keep-alive connection that a reloading nginx closed at that
moment gets no answer; the client sends it again, as browsers do)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from tests.chaos.checks import check_orders
from tests.chaos.load import Load
from tests.chaos.platform import ChaosPlatform

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(90)]


async def test_a_rolling_restart_of_every_instance_answers_every_request(chaos: ChaosPlatform) -> None:
    load = Load(chaos.front, chaos.cafile, chaos.catalogue, max_requests=4000)
    running = asyncio.create_task(load.run(55))
    done_before = sum("rolling restart done" in line for line in chaos.stack.lines)
    try:
        await asyncio.sleep(2)
        env = {**os.environ, "MARKETPLACE_DATA_DIR": str(chaos.stack.data_dir)}
        asked = subprocess.run(
            [sys.executable, "-m", "marketplace", "restart"], env=env, capture_output=True, text=True, timeout=30
        )
        assert asked.returncode == 0, asked.stderr
        started = time.monotonic()
        while sum("rolling restart done" in line for line in chaos.stack.lines) == done_before:
            assert time.monotonic() - started < 50, "the rolling restart did not finish"
            assert "rolling restart stopped" not in "\n".join(chaos.stack.lines[-50:])
            await asyncio.sleep(0.5)
        took = time.monotonic() - started
        await asyncio.sleep(1)
    finally:
        load.stopping.set()
        history = await running
    report = await check_orders(chaos, history)
    restarted = sum("exited (" in line and "for a restart" in line for line in chaos.stack.lines)
    print(f"\nrolling restart: {restarted} processes restarted in {took:.1f}s; {history.summary()}")
    print(f"rolling restart: {report}")
    print(f"rolling restart: first attempts without any answer {history.unanswered_first()}")
    assert [(op.kind, op.first_status) for op in history.non_2xx_answers()] == []
    assert [(op.kind, op.status, op.error) for op in history.operations if op.outcome != "ok"] == []
    assert report.lost == 0
    assert report.unfinished == 0
