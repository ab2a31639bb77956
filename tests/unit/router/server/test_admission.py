"""The adaptive execution gate: at most ``limit`` operations execute, the others wait in arrival order,
the limit falls to its minimum while the CPU is busy and doubles while it has room and operations wait.

The gate reads how long its thread has been busy through ``busy_clock``; these tests give it a test clock,
so that "busy" and "idle" are exact rather than whatever the machine running the tests does (the gate
on real servers and a real CPU is in ``tests/integration/router/test_adaptive_concurrency.py``).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from router.server.admission import ExecutionGate, busy_seconds

pytestmark = pytest.mark.router

INTERVAL = 0.01
# For tests of admission alone: no sample falls within them (one could see a stall and raise the limit).
NO_SAMPLE = 60.0


class TestClock:
    """Busy time for the gate: as much as the wall clock (busy), or none (idle)."""

    __test__ = False

    def __init__(self, busy: bool) -> None:
        self.busy = busy
        self._busy = 0.0
        self._last = asyncio.get_running_loop().time()

    def __call__(self) -> float:
        now = asyncio.get_running_loop().time()
        if self.busy:
            self._busy += now - self._last
        self._last = now
        return self._busy


class Operations:
    """Operations that enter the gate and hold it until released, recording the order they entered."""

    def __init__(self, gate: ExecutionGate) -> None:
        self.gate = gate
        self.entered: list[int] = []
        self._release: dict[int, asyncio.Event] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def start(self, *numbers: int) -> None:
        for number in numbers:
            self._release[number] = asyncio.Event()
            self.tasks[number] = asyncio.create_task(self._run(number))

    async def _run(self, number: int) -> None:
        async with self.gate:
            self.entered.append(number)
            await self._release[number].wait()

    async def finish(self, *numbers: int) -> None:
        for number in numbers:
            self._release[number].set()
        await asyncio.gather(*(self.tasks[number] for number in numbers))
        await asyncio.sleep(0)  # the waiters admitted meanwhile run up to their wait


async def _settle(rounds: int = 3) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def test_at_most_the_limit_execute_and_the_others_enter_in_arrival_order() -> None:
    gate = ExecutionGate(2, interval=NO_SAMPLE, busy_clock=TestClock(busy=True))
    operations = Operations(gate)

    operations.start(1, 2, 3, 4, 5)
    await _settle()
    assert operations.entered == [1, 2]
    assert (gate.active, gate.waiting) == (2, 3)

    await operations.finish(2)
    assert operations.entered == [1, 2, 3]
    await operations.finish(1, 3)
    assert operations.entered == [1, 2, 3, 4, 5]
    await operations.finish(4, 5)
    assert (gate.active, gate.waiting, gate.waited) == (0, 0, 3)


async def test_a_busy_cpu_brings_the_limit_down_to_its_minimum_and_no_lower() -> None:
    clock = TestClock(busy=False)
    gate = ExecutionGate(2, interval=INTERVAL, busy_clock=clock)
    operations = Operations(gate)

    operations.start(*range(40))
    await asyncio.sleep(INTERVAL * 12)  # idle with operations waiting: the limit doubles until all run
    assert gate.limit >= 40
    assert len(operations.entered) == 40

    clock.busy = True
    await asyncio.sleep(INTERVAL * 60)  # busy: down by a tenth of those executing per sample, to 2
    assert gate.limit == 2
    # From here the next samples are far off: a newcomer waiting while nothing finishes would otherwise
    # count as a stall (the limit doubles) if a sample fell between the steps below.
    gate._interval = 60.0
    await asyncio.sleep(INTERVAL * 2)
    assert gate.limit == 2
    operations.start(40)
    await _settle()
    assert 40 not in operations.entered  # 40 still execute: a newcomer waits for the limit
    await operations.finish(*range(38))
    assert 40 not in operations.entered  # 38 and 39 execute: the limit of 2
    await operations.finish(38)
    assert operations.entered[-1] == 40
    await operations.finish(39, 40)


async def test_an_idle_cpu_does_not_raise_the_limit_while_nobody_waits() -> None:
    gate = ExecutionGate(3, interval=INTERVAL, busy_clock=TestClock(busy=False))
    operations = Operations(gate)

    operations.start(1, 2)
    await asyncio.sleep(INTERVAL * 5)
    assert gate.limit == 3
    await operations.finish(1, 2)


async def test_a_cancelled_waiter_takes_no_slot_and_one_cancelled_once_admitted_passes_it_on() -> None:
    gate = ExecutionGate(1, interval=NO_SAMPLE, busy_clock=TestClock(busy=True))
    operations = Operations(gate)
    operations.start(1, 2, 3, 4)
    await _settle()
    assert operations.entered == [1]

    operations.tasks[2].cancel()  # waiting: it leaves the queue
    await _settle()
    operations._release[1].set()
    await asyncio.sleep(0)  # 1 leaves the gate and hands its slot to 3...
    operations.tasks[3].cancel()  # ...cancelled before it runs: the slot goes on to 4
    await _settle()
    assert operations.entered == [1, 4]
    assert gate.active == 1
    await operations.finish(4)
    assert (gate.active, gate.waiting) == (0, 0)
    for number in (2, 3):
        assert operations.tasks[number].cancelled()


async def test_sampling_stops_when_nothing_executes_and_starts_again_with_the_next_operation() -> None:
    gate = ExecutionGate(1, interval=INTERVAL, busy_clock=TestClock(busy=False))
    operations = Operations(gate)
    operations.start(1)
    await _settle()
    assert gate._sampler is not None
    await operations.finish(1)
    await asyncio.sleep(INTERVAL * 3)
    assert gate._sampler is None  # no timer left behind in an idle router

    operations.start(2, 3)
    await asyncio.sleep(INTERVAL * 3)  # idle with one waiting: the limit grows again
    assert operations.entered == [1, 2, 3]
    await operations.finish(2, 3)


def test_busy_time_is_the_threads_cpu_and_run_queue_wait() -> None:
    before_busy, before_cpu = busy_seconds(), time.thread_time()
    deadline = time.thread_time() + 0.05
    while time.thread_time() < deadline:  # 50 ms of this thread's CPU
        pass
    busy, cpu = busy_seconds() - before_busy, time.thread_time() - before_cpu
    assert busy >= cpu - 0.01  # CPU time, plus whatever wait for a core there was
    assert busy < cpu + 5.0  # seconds, not nanoseconds


def test_the_minimum_is_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ExecutionGate(0)


def test_a_gate_used_on_a_second_event_loop_samples_there() -> None:
    """An app's gate outlives the loop it first ran on (tests, an embedding application): on the next
    loop it samples again, so its limit still grows while operations wait there."""

    async def burst() -> list[int]:
        gate_operations = Operations(gate)
        gate_operations.start(1, 2, 3)
        await asyncio.sleep(INTERVAL * 4)
        entered = list(gate_operations.entered)
        await gate_operations.finish(*entered)
        await gate_operations.finish(*(n for n in (1, 2, 3) if n not in entered))
        return entered

    gate = ExecutionGate(1, interval=INTERVAL, busy_clock=lambda: 0.0)
    assert asyncio.run(burst()) == [1, 2, 3]
    assert gate._sampler is not None  # the first loop closed with a sample still due
    gate.limit = 1
    assert asyncio.run(burst()) == [1, 2, 3]


async def test_operations_stalled_on_slow_subgraphs_do_not_hold_the_queue_while_the_cpu_is_busy() -> None:
    """Busy CPU, but the two executing operations never finish (a slow subgraph): after an interval
    without any finishing, the limit doubles and the waiting operations run."""
    gate = ExecutionGate(2, interval=INTERVAL, busy_clock=TestClock(busy=True))
    operations = Operations(gate)
    operations.start(1, 2, 3, 4)
    await _settle()
    assert operations.entered == [1, 2]

    await asyncio.sleep(INTERVAL * 4)

    assert operations.entered == [1, 2, 3, 4]  # (the limit falls back once nobody waits: CPU still busy)
    await operations.finish(1, 2, 3, 4)
