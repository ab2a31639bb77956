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

from sqlalchemy import BigInteger, String, bindparam, func, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.orders.domain import ItemRequest, Money, Status
from subgraphs.orders.service.orders import OrdersDeps, add_event
from subgraphs.orders.service.outbox import Task, TaskKind, add_task, is_done, mark_done, publish_after_commit
from subgraphs.orders.service.store import orders_table
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


# One round trip: lock the order row, say whether the task is done (an unknown task has nothing
# left to do) and bring the items in their order.
CLAIM = text(
    """
    SELECT o.status,
           (t.id IS NULL OR t.done_at IS NOT NULL) AS task_done,
           ARRAY(SELECT i.product_id FROM orders.order_items i WHERE i.order_id = o.id ORDER BY i.position)
               AS product_ids,
           ARRAY(SELECT i.quantity FROM orders.order_items i WHERE i.order_id = o.id ORDER BY i.position)
               AS quantities
    FROM orders.orders o LEFT JOIN orders.outbox t ON t.id = :task_id
    WHERE o.id = :order_id
    FOR UPDATE OF o
    """
)

# One round trip: price the items, confirm the order, append the event, mark the task done.
CONFIRM = text(
    """
    WITH priced AS (
        UPDATE orders.order_items i
        SET unit_amount = line.amount, currency = line.currency, seller_id = line.seller_id,
            product_name = line.product_name
        FROM unnest(CAST(:product_ids AS text[]), CAST(:amounts AS bigint[]), CAST(:currencies AS text[]),
                    CAST(:seller_ids AS text[]), CAST(:product_names AS text[]))
             AS line (product_id, amount, currency, seller_id, product_name)
        WHERE i.order_id = :order_id AND i.product_id = line.product_id
    ), confirmed AS (
        UPDATE orders.orders
        SET status = 'CONFIRMED', total_amount = :total_amount, currency = :total_currency, updated_at = now()
        WHERE id = :order_id
    ), event AS (
        INSERT INTO orders.order_events (order_id, status, description)
        VALUES (:order_id, 'CONFIRMED', :description)
    )
    UPDATE orders.outbox SET done_at = now() WHERE id = :task_id AND done_at IS NULL
    """
).bindparams(
    bindparam("product_ids", type_=ARRAY(String)),
    bindparam("amounts", type_=ARRAY(BigInteger)),
    bindparam("currencies", type_=ARRAY(String)),
    bindparam("seller_ids", type_=ARRAY(String)),
    bindparam("product_names", type_=ARRAY(String)),
)


@dataclass(frozen=True)
class Claim:
    status: str | None  # None: no such order
    task_done: bool
    items: list[ItemRequest]


async def _claim(session: AsyncSession, task_id: int, order_id: uuid.UUID) -> Claim:
    row = (await session.execute(CLAIM, {"task_id": task_id, "order_id": order_id})).first()
    if row is None:
        return Claim(None, False, [])
    items = [ItemRequest(p, q) for p, q in zip(row.product_ids, row.quantities, strict=True)]
    return Claim(str(row.status), bool(row.task_done), items)


def _total(items: list[ItemRequest], reservation: Reservation) -> tuple[Money | None, str | None]:
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
        claim = await _claim(session, task_id, order_id)
        if claim.task_done:
            return Outcome.SKIPPED
        if claim.status != Status.PENDING.value:
            await mark_done(session, task_id)
            return Outcome.SKIPPED
        items = claim.items
        reservation = await deps.stock.reserve(order_id, items)
        rejected = reservation.rejected
        total, reason = (None, rejected[0].rejection) if rejected else _total(items, reservation)
        if reason is not None or total is None:
            if not rejected:  # reserved but unpriceable: give the stock back
                tasks.append(await add_task(session, order_id, TaskKind.RELEASE, due_in=deps.orders.publish_grace))
            await _reject(session, order_id, reason or "UNKNOWN_PRODUCT", rejected[0].product_id if rejected else None)
            await mark_done(session, task_id)
            outcome = Outcome.REJECTED
        else:
            await _confirm(session, task_id, order_id, reservation, total)  # marks the task done too
            outcome = Outcome.CONFIRMED
    await publish_after_commit(sessions, deps.orders.publisher, tasks, redeliver_after=deps.orders.redeliver_after)
    return outcome


async def _reject(session: AsyncSession, order_id: uuid.UUID, reason: str, product_id: str | None) -> None:
    await session.execute(
        update(orders_table)
        .where(orders_table.c.id == order_id)
        .values(status=Status.REJECTED.value, rejection_reason=reason, updated_at=func.now())
    )
    subject = f"product {product_id}" if product_id else "the order"
    description = {
        "OUT_OF_STOCK": f"rejected: {subject} is out of stock",
        "UNKNOWN_PRODUCT": f"rejected: {subject} does not exist",
        "MIXED_CURRENCIES": "rejected: the products are priced in different currencies",
    }.get(reason, f"rejected: {reason}")
    await add_event(session, order_id, Status.REJECTED, description)


async def _confirm(
    session: AsyncSession, task_id: int, order_id: uuid.UUID, reservation: Reservation, total: Money
) -> None:
    """Price the items, confirm the order, append its event and mark the task done: one statement."""
    priced = [(line, line.unit_price) for line in reservation.lines if line.unit_price is not None]
    params = {
        "task_id": task_id,
        "order_id": order_id,
        "product_ids": [line.product_id for line, _ in priced],
        "amounts": [price.amount for _, price in priced],
        "currencies": [price.currency for _, price in priced],
        "seller_ids": [line.seller_id for line, _ in priced],
        "product_names": [line.product_name for line, _ in priced],
        "total_amount": total.amount,
        "total_currency": total.currency,
        "description": f"stock reserved; total {total.amount} {total.currency}",
    }
    await session.execute(CONFIRM, params)


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
