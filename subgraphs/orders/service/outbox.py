"""The transactional outbox: background work recorded in the same transaction as its cause.

A task row is written together with the change that needs it (an accepted order needs processing,
a cancelled one needs its stock released). After the commit the caller publishes it and pushes its
``due_at`` forward; the relay (:func:`claim_due`) publishes every task whose ``due_at`` passed and
that is not done: tasks whose publish failed or never happened (the process died after its commit)
and tasks whose message was lost (a broker restart). A task is done when the worker finished it.
Publishing twice is harmless because every step of the worker is idempotent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Protocol, cast

from sqlalchemy import BigInteger, Table, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from db.models.orders import OutboxTask

log = logging.getLogger(__name__)
outbox_table = cast(Table, OutboxTask.__table__)


class TaskKind(StrEnum):
    PROCESS = "process"
    RELEASE = "release"


@dataclass(frozen=True)
class Task:
    id: int
    order_id: uuid.UUID
    kind: TaskKind


class Publisher(Protocol):
    """Sends tasks to the broker (see :mod:`subgraphs.orders.queue`); raises when it could not."""

    async def publish(self, tasks: Sequence[Task]) -> None: ...


async def add_task(session: AsyncSession, order_id: uuid.UUID, kind: TaskKind, *, due_in: float) -> Task:
    task_id = (
        await session.execute(
            insert(outbox_table)
            .values(order_id=order_id, kind=kind.value, due_at=func.now() + timedelta(seconds=due_in))
            .returning(outbox_table.c.id)
        )
    ).scalar_one()
    return Task(task_id, order_id, kind)


async def mark_published(
    session: AsyncSession | AsyncConnection, task_ids: Sequence[int], *, redeliver_after: float
) -> None:
    if not task_ids:
        return
    # ``= ANY(array)`` rather than ``IN (...)``: one SQL text (one prepared statement) for any batch size
    ids = bindparam("task_ids", list(task_ids), type_=ARRAY(BigInteger))
    await session.execute(
        update(outbox_table)
        .where(outbox_table.c.id == any_(ids), outbox_table.c.done_at.is_(None))
        .values(
            published_at=func.now(),
            publish_count=outbox_table.c.publish_count + 1,
            due_at=func.now() + timedelta(seconds=redeliver_after),
        )
    )


async def mark_done(session: AsyncSession, task_id: int) -> None:
    await session.execute(
        update(outbox_table)
        .where(outbox_table.c.id == task_id, outbox_table.c.done_at.is_(None))
        .values(done_at=func.now())
    )


async def is_done(session: AsyncSession, task_id: int) -> bool:
    done_at = (await session.execute(select(outbox_table.c.done_at).where(outbox_table.c.id == task_id))).first()
    return done_at is None or done_at[0] is not None  # an unknown task has nothing left to do


async def publish_after_commit(
    sessions: async_sessionmaker[AsyncSession], publisher: Publisher, tasks: Sequence[Task], *, redeliver_after: float
) -> bool:
    """Publish committed tasks now; on failure leave them to the relay (they are already durable)."""
    if not tasks:
        return True
    try:
        await publisher.publish(tasks)
    except Exception as error:
        log.warning("publishing %d task(s) failed, the relay will retry: %s", len(tasks), error)
        return False
    try:
        async with sessions.begin() as session:
            await mark_published(session, [task.id for task in tasks], redeliver_after=redeliver_after)
    except Exception as error:  # the task was sent; at worst the relay sends it once more
        log.warning("recording the publish of %d task(s) failed: %s", len(tasks), error)
    return True


async def claim_due(session: AsyncSession, *, batch: int, redeliver_after: float) -> list[Task]:
    """Take up to ``batch`` due tasks (skipping rows another relay holds) and push their ``due_at``."""
    due = (
        select(outbox_table.c.id)
        .where(outbox_table.c.done_at.is_(None), outbox_table.c.due_at <= func.now())
        .order_by(outbox_table.c.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    rows = await session.execute(
        update(outbox_table)
        .where(outbox_table.c.id == due.c.id)
        .values(
            published_at=func.now(),
            publish_count=outbox_table.c.publish_count + 1,
            due_at=func.now() + timedelta(seconds=redeliver_after),
        )
        .returning(outbox_table.c.id, outbox_table.c.order_id, outbox_table.c.kind)
    )
    return [Task(row.id, row.order_id, TaskKind(row.kind)) for row in rows]


async def reschedule(session: AsyncSession, task_ids: Sequence[int], *, delay: float) -> None:
    """Make tasks due again soon (their publish failed)."""
    if task_ids:
        await session.execute(
            update(outbox_table)
            .where(outbox_table.c.id.in_(task_ids), outbox_table.c.done_at.is_(None))
            .values(due_at=func.now() + timedelta(seconds=delay))
        )
