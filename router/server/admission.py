"""Admission of operations to the engine: as many at once as keep the worker's CPU busy, and no more.

A Python router runs one operation step at a time per process. When its CPU is saturated, operations
in flight do not finish sooner for being many: they take turns, each resuming after all the others
with its data gone from the CPU's caches. Measured on the many-fetch bench case (one worker, 50
connections), letting 8 operations execute at once instead of all 50 cut the CPU per request by 16 %
(1,890-1,960 to 1,605 µs) and raised throughput by 19 %, with a lower p99. A fixed limit would cap an
I/O-bound router though: with subgraphs answering in 100 ms, 8 at once is 80 operations a second.

So the limit adapts to what the CPU says. Every ``interval`` while operations execute or wait, the
gate reads how long the event loop's thread has been busy, running or ready to run but waiting for a
core (Linux's ``/proc/thread-self/schedstat``: its CPU time and its run-queue wait), against the wall
clock:

- **busy** (at least ``busy`` of the time, 0.9): executing fewer at once costs no throughput, so the
  limit comes down by a tenth of those executing (at least one), to no lower than ``minimum``;
- **not busy** (below ``idle``, 0.8) with operations waiting: the thread has idled, waiting for
  subgraphs, so the limit doubles and waiting operations are admitted;
- **stalled**: operations wait and none of those executing finished during the interval. They are
  waiting on slow subgraphs while something else keeps the CPU busy (requests being parsed, say), and
  holding the queue behind them would starve every other operation: the limit doubles too.

Counting the run-queue wait matters where cores are shared: two workers on two cores beside other
busy processes each get less than a core, yet have work at every moment. Without the schedstat file
(not Linux) the thread's CPU time alone is read; a thread that gets less than 90 % of a core is then
never seen busy, and the gate admits everything, as without it.

An operation waits in arrival order; its wait counts towards ``traffic_shaping.router.timeout``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType

# The share of the time above which the loop's thread counts as busy, and below which as having idled.
BUSY = 0.9
IDLE = 0.8
INTERVAL_SECONDS = 0.05
SCHEDSTAT = "/proc/thread-self/schedstat"


def busy_seconds() -> float:
    """Seconds the calling thread has run or been ready to run (its CPU time plus its run-queue wait);
    its CPU time alone where ``/proc/thread-self/schedstat`` cannot be read."""
    try:
        with open(SCHEDSTAT, "rb") as stats:
            running, waiting, _ = stats.read().split()
        return (int(running) + int(waiting)) / 1e9
    except (OSError, ValueError):
        return time.thread_time()


class ExecutionGate:
    """An adaptive limit on the operations executing at once (see the module docstring).

    Use as ``async with gate:`` around an execution. ``busy_clock`` gives the seconds the loop's thread
    has been busy (:func:`busy_seconds`, called on that thread); tests pass their own.
    """

    def __init__(
        self,
        minimum: int,
        *,
        interval: float = INTERVAL_SECONDS,
        busy: float = BUSY,
        idle: float = IDLE,
        busy_clock: Callable[[], float] = busy_seconds,
    ) -> None:
        if minimum < 1:
            raise ValueError("the minimum must be at least 1")
        self.minimum = minimum
        self.limit = minimum
        self.active = 0  # executing now
        self.waited = 0  # operations that have had to wait, ever
        self._finished = 0  # operations that left the gate since the last sample
        self._interval, self._busy, self._idle = interval, busy, idle
        self._busy_clock = busy_clock
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._sampler: asyncio.TimerHandle | None = None
        self._sampling_loop: asyncio.AbstractEventLoop | None = None
        self._since = (0.0, 0.0)  # (wall, busy) at the last sample

    @property
    def waiting(self) -> int:
        """Operations waiting for a slot (not those cancelled while waiting, skipped when reached)."""
        return sum(1 for waiter in self._waiters if not waiter.done())

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        if self._sampler is None or self._sampling_loop is not loop:  # (another loop: tests, a restart)
            self._start_sampling(loop)
        if self.active < self.limit and not self._waiters:
            self.active += 1
            return
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        self._admit()  # the waiters ahead may all have been cancelled: then there is room now
        if waiter.done():
            return
        self.waited += 1
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self._release()  # admitted, then cancelled before running: the slot passes on
            else:
                waiter.cancel()  # skipped when its turn comes
            raise

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._finished += 1
        self._release()

    def _release(self) -> None:
        self.active -= 1
        self._admit()

    def _admit(self) -> None:
        waiters = self._waiters
        while waiters and self.active < self.limit:
            waiter = waiters.popleft()
            if not waiter.done():
                self.active += 1  # counted here, so no arrival takes the slot before the waiter runs
                waiter.set_result(None)

    def _start_sampling(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sampling_loop = loop  # a timer left on another loop is dropped: it belongs to that loop
        self._since = (loop.time(), self._busy_clock())
        self._sampler = loop.call_later(self._interval, self._sample, loop)

    def _sample(self, loop: asyncio.AbstractEventLoop) -> None:
        wall, busy = loop.time(), self._busy_clock()
        last_wall, last_busy = self._since
        self._since = (wall, busy)
        elapsed = wall - last_wall
        share = (busy - last_busy) / elapsed if elapsed > 0 else 0.0
        finished, self._finished = self._finished, 0
        waiting = self.waiting > 0
        if waiting and (share < self._idle or not finished):
            self.limit *= 2
            self._admit()
        elif share >= self._busy:
            executing = min(self.limit, self.active)
            self.limit = max(self.minimum, executing - max(1, executing // 10))
        if self.active or waiting:
            self._sampler = loop.call_later(self._interval, self._sample, loop)
        else:
            self._sampler = None  # idle: sampling starts again with the next operation
