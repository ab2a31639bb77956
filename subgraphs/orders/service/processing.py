"""The worker's steps: process an order (reserve, price, confirm or reject), release stock, fail.

Each step is idempotent, so a duplicate message or a worker killed at any point changes nothing
twice:

- a task already marked done is skipped;
- processing holds the order row (``SELECT ... FOR UPDATE``) from its status check to its commit,
  so two deliveries of one message, or a cancel racing the worker, are serialised; the loser sees
  a status other than ``PENDING`` and stops;
- ``reserveStock`` is idempotent per order on the products side: a worker killed after reserving
  but before committing reserves nothing more when the message comes again, it gets the same
  outcome back and commits it;
- the commit that moves the order also marks its task done, in one transaction.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.orders.domain import ItemRequest, Money, OrderItemRecord, Status
from subgraphs.orders.service.orders import OrdersDeps, add_event
from subgraphs.orders.service.outbox import Task, TaskKind, add_task, is_done, mark_done, publish_after_commit
from subgraphs.orders.service.store import items_for, items_table, orders_table
from subgraphs.orders.stock import Reservation, StockClient

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    SKIPPED = "skipped"  # duplicate delivery, or the order moved on (cancelled) before processing
    RELEASED = "released"
    FAILED = "failed"


@dataclass(frozen=True)
class WorkerDeps:
    orders: OrdersDeps
    stock: StockClient


async def _lock_pending(session: AsyncSession, order_id: uuid.UUID) -> str | None:
    row = (
        await session.execute(select(orders_table.c.status).where(orders_table.c.id == order_id).with_for_update())
    ).first()
    return None if row is None else str(row.status)


def _total(items: list[OrderItemRecord], reservation: Reservation) -> tuple[Money | None, str | None]:
    """The order's total, or a rejection reason when it cannot be priced."""
    by_product = {line.product_id: line for line in reservation.lines}
    currencies = set()
    amount = 0
    for item in items:
        line = by_product.get(item.product_id)
        if line is None or line.unit_price is None:
            return None, "UNKNOWN_PRODUCT"
        currencies.add(line.unit_price.currency)
        amount += line.unit_price.amount * item.quantity
    if len(currencies) != 1:
        return None, "MIXED_CURRENCIES"
    return Money(amount, currencies.pop()), None


async def process_order(deps: WorkerDeps, task_id: int, order_id: uuid.UUID) -> Outcome:
    sessions = deps.orders.sessions
    tasks: list[Task] = []
    async with sessions.begin() as session:
        if await is_done(session, task_id):
            return Outcome.SKIPPED
        status = await _lock_pending(session, order_id)
        if status != Status.PENDING.value:
            await mark_done(session, task_id)
            return Outcome.SKIPPED
        items = (await items_for(session, [order_id]))[order_id]
        requests = [ItemRequest(item.product_id, item.quantity) for item in items]
        reservation = await deps.stock.reserve(order_id, requests)
        rejected = reservation.rejected
        total, reason = (None, rejected[0].rejection) if rejected else _total(items, reservation)
        if reason is not None or total is None:
            if not rejected:  # reserved but unpriceable: give the stock back
                tasks.append(await add_task(session, order_id, TaskKind.RELEASE, due_in=deps.orders.publish_grace))
            await _reject(session, order_id, reason or "UNKNOWN_PRODUCT", rejected[0].product_id if rejected else None)
            outcome = Outcome.REJECTED
        else:
            await _confirm(session, order_id, reservation, total)
            outcome = Outcome.CONFIRMED
        await mark_done(session, task_id)
    await publish_after_commit(sessions, deps.orders.publisher, tasks, redeliver_after=deps.orders.redeliver_after)
    return outcome


async def _reject(session: AsyncSession, order_id: uuid.UUID, reason: str, product_id: str | None) -> None:
    await session.execute(
        update(orders_table)
        .where(orders_table.c.id == order_id)
        .values(status=Status.REJECTED.value, rejection_reason=reason, updated_at=func.now())
    )
    subject = f"product {product_id}" if product_id else "the order"
    text = {
        "OUT_OF_STOCK": f"rejected: {subject} is out of stock",
        "UNKNOWN_PRODUCT": f"rejected: {subject} does not exist",
        "MIXED_CURRENCIES": "rejected: the products are priced in different currencies",
    }.get(reason, f"rejected: {reason}")
    await add_event(session, order_id, Status.REJECTED, text)


async def _confirm(session: AsyncSession, order_id: uuid.UUID, reservation: Reservation, total: Money) -> None:
    for line in reservation.lines:
        assert line.unit_price is not None
        await session.execute(
            update(items_table)
            .where(items_table.c.order_id == order_id, items_table.c.product_id == line.product_id)
            .values(
                unit_amount=line.unit_price.amount,
                currency=line.unit_price.currency,
                seller_id=line.seller_id,
                product_name=line.product_name,
            )
        )
    await session.execute(
        update(orders_table)
        .where(orders_table.c.id == order_id)
        .values(
            status=Status.CONFIRMED.value, total_amount=total.amount, currency=total.currency, updated_at=func.now()
        )
    )
    await add_event(session, order_id, Status.CONFIRMED, f"stock reserved; total {total.amount} {total.currency}")


async def release_stock(deps: WorkerDeps, task_id: int, order_id: uuid.UUID) -> Outcome:
    sessions = deps.orders.sessions
    async with sessions() as session:
        if await is_done(session, task_id):
            return Outcome.SKIPPED
    await deps.stock.release(order_id)
    async with sessions.begin() as session:
        await mark_done(session, task_id)
        await session.execute(
            update(orders_table)
            .where(orders_table.c.id == order_id, orders_table.c.stock_released_at.is_(None))
            .values(stock_released_at=func.now())
        )
    return Outcome.RELEASED


async def fail_order(deps: WorkerDeps, task_id: int, order_id: uuid.UUID, error: str) -> Outcome:
    """After the last retry: FAILED, with a release in case the reservation went through."""
    sessions = deps.orders.sessions
    tasks: list[Task] = []
    async with sessions.begin() as session:
        moved = (
            await session.execute(
                update(orders_table)
                .where(orders_table.c.id == order_id, orders_table.c.status == Status.PENDING.value)
                .values(status=Status.FAILED.value, failure_reason=error[:2000], updated_at=func.now())
                .returning(orders_table.c.id)
            )
        ).first()
        if moved is not None:
            await add_event(session, order_id, Status.FAILED, "processing failed after several attempts")
            tasks.append(await add_task(session, order_id, TaskKind.RELEASE, due_in=deps.orders.publish_grace))
        await mark_done(session, task_id)
    await publish_after_commit(sessions, deps.orders.publisher, tasks, redeliver_after=deps.orders.redeliver_after)
    return Outcome.FAILED
