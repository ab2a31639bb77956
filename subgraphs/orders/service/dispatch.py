"""Publishing committed outbox tasks after the response, off the request's critical path.

``createOrder`` commits its order and outbox task, hands the task to :class:`TaskDispatcher` (an
in-memory append, no I/O) and answers. A background loop publishes what accumulated in batches and
records the publish of each batch with one ``UPDATE`` (which pushes the tasks' ``due_at`` to
``redeliver_after`` from now). It lingers ``linger`` seconds before a batch that is not full, so
that at moderate rates several orders share one thread hop, one broker round and one ``UPDATE``.

Nothing can be lost here: the task is already durable in the outbox, due ``publish_grace`` seconds
after its commit. If the publish fails, is slow, or the process dies with tasks still in memory,
the relay (:mod:`subgraphs.orders.sweeper`) publishes them when they fall due. The worst case is a
task published twice (by this loop and by the relay), which the worker's idempotence makes
harmless. The buffer is bounded: past ``max_pending`` a task is left to the relay alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.orders.service.outbox import Publisher, Task, mark_published

log = logging.getLogger(__name__)


class TaskDispatcher:
    def __init__(
        self,
        publisher: Publisher,
        engine: AsyncEngine,
        *,
        redeliver_after: float,
        batch_size: int = 500,
        max_pending: int = 100_000,
        linger: float = 0.02,
    ) -> None:
        self.publisher = publisher
        self.engine = engine
        self.redeliver_after = redeliver_after
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.linger = linger
        self._pending: deque[Task] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._runner: asyncio.Task[None] | None = None
        self._in_flight = 0
        self.published = 0
        self.failed = 0
        self.left_to_relay = 0

    @property
    def idle(self) -> bool:
        """Nothing waiting and nothing being published (the tests wait for this)."""
        return not self._pending and self._in_flight == 0

    def start(self) -> None:
        self._runner = asyncio.get_running_loop().create_task(self._run(), name="orders-task-dispatcher")

    def submit(self, task: Task) -> None:
        """Queue a committed task for publishing; never blocks, never raises."""
        if len(self._pending) >= self.max_pending:
            self.left_to_relay += 1
            return
        self._pending.append(task)
        self._idle.clear()
        self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if self.linger > 0 and len(self._pending) < self.batch_size:
                await asyncio.sleep(self.linger)  # let a few more arrive: one publish and one UPDATE for all
            self._wake.clear()
            while self._pending:
                count = min(len(self._pending), self.batch_size)
                batch = [self._pending.popleft() for _ in range(count)]
                self._in_flight = len(batch)
                try:
                    await self._publish(batch)
                finally:
                    self._in_flight = 0
            self._idle.set()

    async def _publish(self, batch: list[Task]) -> None:
        try:
            await self.publisher.publish(batch)
        except Exception as error:
            self.failed += len(batch)
            log.warning("publishing %d task(s) failed; the relay will publish them: %s", len(batch), error)
            return
        self.published += len(batch)
        try:
            async with self.engine.connect() as connection:
                await mark_published(connection, [task.id for task in batch], redeliver_after=self.redeliver_after)
        except Exception as error:  # sent already; at worst the relay sends them once more
            log.warning("recording the publish of %d task(s) failed: %s", len(batch), error)

    async def close(self, timeout: float = 10.0) -> None:
        """Publish what is still waiting (for at most ``timeout`` seconds), then stop."""
        if self._runner is None:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        self._runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._runner
        self._runner = None
