"""Reading orders: rows to records, in batches (one query per kind of row, whatever the count)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.orders import Order, OrderEvent, OrderItem
from subgraphs.orders.domain import (
    EventRecord,
    Money,
    OrderItemRecord,
    OrderPage,
    OrderRecord,
    Status,
    TrackingInfo,
)

orders_table = cast(Table, Order.__table__)
items_table = cast(Table, OrderItem.__table__)
events_table = cast(Table, OrderEvent.__table__)


def parse_order_id(value: str) -> uuid.UUID | None:
    """An order id from a client, or ``None`` when it cannot be one (so it is simply not found)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def order_record(row: Any, seller_ids: frozenset[str] = frozenset()) -> OrderRecord:
    tracking = None
    if row.carrier is not None and row.tracking_number is not None:
        tracking = TrackingInfo(row.carrier, row.tracking_number, row.tracking_url, row.estimated_delivery)
    total = Money(row.total_amount, row.currency) if row.total_amount is not None and row.currency else None
    return OrderRecord(
        id=row.id,
        buyer_id=row.buyer_id,
        status=Status(row.status),
        shipping_address=row.shipping_address,
        total=total,
        rejection_reason=row.rejection_reason,
        failure_reason=row.failure_reason,
        tracking=tracking,
        hidden_from_buyer=row.hidden_from_buyer,
        created_at=row.created_at,
        updated_at=row.updated_at,
        seller_ids=seller_ids,
    )


async def seller_ids_for(session: AsyncSession, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, frozenset[str]]:
    if not order_ids:
        return {}
    rows = await session.execute(
        select(items_table.c.order_id, items_table.c.seller_id).where(
            items_table.c.order_id.in_(order_ids), items_table.c.seller_id.is_not(None)
        )
    )
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    for order_id, seller_id in rows:
        found[order_id].add(seller_id)
    return {order_id: frozenset(sellers) for order_id, sellers in found.items()}


async def orders_by_ids(session: AsyncSession, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, OrderRecord]:
    if not order_ids:
        return {}
    rows = (await session.execute(select(orders_table).where(orders_table.c.id.in_(order_ids)))).all()
    sellers = await seller_ids_for(session, [row.id for row in rows])
    return {row.id: order_record(row, sellers.get(row.id, frozenset())) for row in rows}


async def get_order(session: AsyncSession, order_id: uuid.UUID) -> OrderRecord | None:
    return (await orders_by_ids(session, [order_id])).get(order_id)


async def items_for(session: AsyncSession, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[OrderItemRecord]]:
    found: dict[uuid.UUID, list[OrderItemRecord]] = defaultdict(list)
    if not order_ids:
        return found
    rows = await session.execute(
        select(items_table)
        .where(items_table.c.order_id.in_(order_ids))
        .order_by(items_table.c.order_id, items_table.c.position)
    )
    for row in rows:
        price = Money(row.unit_amount, row.currency) if row.unit_amount is not None and row.currency else None
        found[row.order_id].append(
            OrderItemRecord(row.product_id, row.quantity, price, row.seller_id, row.product_name)
        )
    return found


async def events_for(session: AsyncSession, order_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[EventRecord]]:
    found: dict[uuid.UUID, list[EventRecord]] = defaultdict(list)
    if not order_ids:
        return found
    rows = await session.execute(
        select(events_table)
        .where(events_table.c.order_id.in_(order_ids))
        .order_by(events_table.c.order_id, events_table.c.at, events_table.c.id)
    )
    for row in rows:
        found[row.order_id].append(EventRecord(Status(row.status), row.at, row.description))
    return found


async def orders_of_buyer(session: AsyncSession, buyer_id: str, *, limit: int, offset: int) -> OrderPage:
    """The buyer's visible orders, newest first (``deleteOrder`` hides an order from this list)."""
    visible = (orders_table.c.buyer_id == buyer_id) & orders_table.c.hidden_from_buyer.is_(False)
    total = (await session.execute(select(func.count()).select_from(orders_table).where(visible))).scalar_one()
    rows = (
        await session.execute(
            select(orders_table)
            .where(visible)
            .order_by(orders_table.c.created_at.desc(), orders_table.c.id)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    sellers = await seller_ids_for(session, [row.id for row in rows])
    return OrderPage([order_record(row, sellers.get(row.id, frozenset())) for row in rows], total, limit, offset)
