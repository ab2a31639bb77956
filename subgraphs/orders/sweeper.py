"""The relay/sweeper: publish outbox tasks that are due (see :mod:`subgraphs.orders.service.outbox`).

A task is due when the API never published it (its process died after the commit, or the broker
was down) or when it was published long ago and is still not done (its message was lost, e.g. the
broker restarted without it). It runs as a task on each worker process's event loop, every
``sweep_interval_seconds``; several sweepers are safe together (``FOR UPDATE SKIP LOCKED``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from subgraphs.orders.service.orders import OrdersDeps
from subgraphs.orders.service.outbox import claim_due, reschedule

log = logging.getLogger(__name__)
FAILED_PUBLISH_RETRY_SECONDS = 5.0


async def sweep_once(deps: OrdersDeps, *, batch: int) -> int:
    """Publish one batch of due tasks; the number published."""
    async with deps.sessions.begin() as session:
        tasks = await claim_due(session, batch=batch, redeliver_after=deps.redeliver_after)
    if not tasks:
        return 0
    try:
        await deps.publisher.publish(tasks)
    except Exception as error:
        log.warning("relay could not publish %d task(s): %s", len(tasks), error)
        async with deps.sessions.begin() as session:
            await reschedule(session, [task.id for task in tasks], delay=FAILED_PUBLISH_RETRY_SECONDS)
        return 0
    log.info("relay published %d due task(s)", len(tasks))
    return len(tasks)


async def run_sweeper(deps: OrdersDeps, *, interval: float, batch: int, stop: asyncio.Event) -> None:
    """Sweep until ``stop`` is set; a full batch is followed at once by the next one."""
    while not stop.is_set():
        published = 0
        try:
            published = await sweep_once(deps, batch=batch)
        except Exception:
            log.exception("sweep failed; trying again in %.1fs", interval)
        if published >= batch:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
