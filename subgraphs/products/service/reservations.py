"""Stock reservations for orders: idempotent per order, all-or-nothing across an order's lines.

Reserving:

1. claim the order with ``INSERT ... ON CONFLICT DO NOTHING`` on ``stock_reservation_orders``: a
   concurrent call for the same order waits on the primary key until the first commits, then finds
   the row and replays the recorded outcome (changing nothing);
2. lock the products in id order (``SELECT ... ORDER BY id FOR UPDATE``), so two orders sharing
   products always take their locks in the same order and never deadlock;
3. decide: an unknown or deleted product, or a line asking for more than the stock, rejects the
   whole order; otherwise one conditional ``UPDATE ... SET stock = stock - n WHERE stock >= n``
   takes the stock (the ``CHECK (stock >= 0)`` constraint stands behind it);
4. record every line with the product's name, seller and unit price at that moment, which is what
   the order worker prices the order with.

Releasing gives back the stock of a reserved order once. Releasing an order never reserved leaves a
``RELEASED`` marker, so a reservation message that arrives after the cancellation reserves nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.products import Product, StockReservation, StockReservationOrder
from servicekit.errors import BadUserInput, Conflict
from subgraphs.products.money import Price
from subgraphs.products.service.records import (
    LineOutcome,
    RejectionReason,
    RequestedLine,
    Reservation,
    ReservationLine,
    ReservationStatus,
)

MAX_LINES = 100
MAX_QUANTITY = 1_000_000

products = cast(Table, Product.__table__)
orders = cast(Table, StockReservationOrder.__table__)
lines_table = cast(Table, StockReservation.__table__)

_TAKE_STOCK = text(
    """
    UPDATE products.products AS p SET stock = p.stock - wanted.quantity
    FROM unnest(:ids, :quantities) AS wanted(id, quantity)
    WHERE p.id = wanted.id AND p.stock >= wanted.quantity
    RETURNING p.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))),
    bindparam("quantities", type_=ARRAY(INTEGER)),
)
_GIVE_BACK_STOCK = text(
    """
    UPDATE products.products AS p SET stock = p.stock + given.quantity
    FROM unnest(:ids, :quantities) AS given(id, quantity)
    WHERE p.id = given.id
    """
).bindparams(
    bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))),
    bindparam("quantities", type_=ARRAY(INTEGER)),
)


def merge_lines(requested: Sequence[RequestedLine]) -> list[RequestedLine]:
    """Validate the requested lines and merge repeated products, keeping first-seen order."""
    if not requested:
        raise BadUserInput("an order needs at least one item", field="items")
    if len(requested) > MAX_LINES:
        raise BadUserInput(f"an order has at most {MAX_LINES} items", field="items")
    merged: dict[uuid.UUID, int] = {}
    for index, line in enumerate(requested):
        if not 0 < line.quantity <= MAX_QUANTITY:
            raise BadUserInput(f"quantity must be between 1 and {MAX_QUANTITY}", field=f"items.{index}.quantity")
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    if any(quantity > MAX_QUANTITY for quantity in merged.values()):
        raise BadUserInput(f"quantity must be between 1 and {MAX_QUANTITY}", field="items")
    return [RequestedLine(product_id=pid, quantity=quantity) for pid, quantity in merged.items()]


async def _load(session: AsyncSession, order_id: uuid.UUID, *, lock: bool) -> tuple[ReservationStatus, list[Any]]:
    statement = select(orders.c.status).where(orders.c.order_id == order_id)
    status = (await session.execute(statement.with_for_update() if lock else statement)).scalar_one()
    rows = await session.execute(
        select(lines_table).where(lines_table.c.order_id == order_id).order_by(lines_table.c.position)
    )
    return ReservationStatus(status), list(rows)


def _line_from_row(row: Any) -> ReservationLine:
    price = (
        Price(amount=int(row.unit_price_amount), currency=row.unit_price_currency)
        if row.unit_price_amount is not None
        else None
    )
    return ReservationLine(
        product_id=row.product_id,
        quantity=row.quantity,
        outcome=LineOutcome(row.outcome),
        reason=RejectionReason(row.reason) if row.reason else None,
        product_name=row.product_name,
        seller_id=row.seller_id,
        unit_price=price,
        available=row.available,
    )


async def _replay(session: AsyncSession, order_id: uuid.UUID, requested: list[RequestedLine]) -> Reservation:
    status, rows = await _load(session, order_id, lock=False)
    recorded = [(row.product_id, row.quantity) for row in rows]
    if rows and sorted(recorded) != sorted((line.product_id, line.quantity) for line in requested):
        raise Conflict("this order already reserved different items", orderId=str(order_id))
    return Reservation(order_id, status, [_line_from_row(row) for row in rows], replayed=True)


def _decide(requested: list[RequestedLine], found: dict[uuid.UUID, Any]) -> list[ReservationLine]:
    decided: list[ReservationLine] = []
    for line in requested:
        product = found.get(line.product_id)
        if product is None or product.deleted_at is not None:
            decided.append(
                ReservationLine(line.product_id, line.quantity, LineOutcome.REJECTED, RejectionReason.UNKNOWN_PRODUCT)
            )
            continue
        enough = product.stock >= line.quantity
        decided.append(
            ReservationLine(
                product_id=line.product_id,
                quantity=line.quantity,
                outcome=LineOutcome.RESERVED if enough else LineOutcome.REJECTED,
                reason=None if enough else RejectionReason.OUT_OF_STOCK,
                product_name=product.name,
                seller_id=product.seller_id,
                unit_price=Price(amount=int(product.price_amount), currency=product.price_currency),
                available=None if enough else product.stock,
            )
        )
    if any(line.outcome is LineOutcome.REJECTED for line in decided):
        decided = [line if line.outcome is LineOutcome.REJECTED else _not_reserved(line) for line in decided]
    return decided


def _not_reserved(line: ReservationLine) -> ReservationLine:
    return ReservationLine(
        product_id=line.product_id,
        quantity=line.quantity,
        outcome=LineOutcome.NOT_RESERVED,
        product_name=line.product_name,
        seller_id=line.seller_id,
        unit_price=line.unit_price,
    )


async def reserve_stock(
    session: AsyncSession, order_id: uuid.UUID, requested_lines: Sequence[RequestedLine]
) -> Reservation:
    """Reserve every line of an order, or none; calling it again for the order changes nothing."""
    requested = merge_lines(requested_lines)
    claimed = (
        await session.execute(
            pg_insert(orders)
            .values(order_id=order_id, status=ReservationStatus.RESERVED.value)
            .on_conflict_do_nothing(index_elements=[orders.c.order_id])
            .returning(orders.c.order_id)
        )
    ).first()
    if claimed is None:
        return await _replay(session, order_id, requested)

    ids = sorted(line.product_id for line in requested)
    locked = await session.execute(
        select(
            products.c.id,
            products.c.name,
            products.c.seller_id,
            products.c.price_amount,
            products.c.price_currency,
            products.c.stock,
            products.c.deleted_at,
        )
        .where(products.c.id.in_(ids))
        .order_by(products.c.id)
        .with_for_update()
    )
    decided = _decide(requested, {row.id: row for row in locked})
    status = ReservationStatus.RESERVED
    if any(line.outcome is not LineOutcome.RESERVED for line in decided):
        status = ReservationStatus.REJECTED
        await session.execute(update(orders).where(orders.c.order_id == order_id).values(status=status.value))
    else:
        taken = await session.execute(
            _TAKE_STOCK,
            {"ids": [line.product_id for line in requested], "quantities": [line.quantity for line in requested]},
        )
        if len(taken.all()) != len(requested):  # cannot happen while the rows are locked; never half-reserve
            raise RuntimeError("stock changed under a row lock")
    await session.execute(
        insert(lines_table),
        [
            {
                "order_id": order_id,
                "product_id": line.product_id,
                "position": position,
                "quantity": line.quantity,
                "outcome": line.outcome.value,
                "reason": line.reason.value if line.reason else None,
                "product_name": line.product_name,
                "seller_id": line.seller_id,
                "unit_price_amount": line.unit_price.amount if line.unit_price else None,
                "unit_price_currency": line.unit_price.currency if line.unit_price else None,
                "available": line.available,
            }
            for position, line in enumerate(decided)
        ],
    )
    return Reservation(order_id, status, decided, replayed=False)


async def release_stock(session: AsyncSession, order_id: uuid.UUID) -> Reservation:
    """Give back an order's reserved stock, once; mark the order released whatever its state."""
    marked = (
        await session.execute(
            pg_insert(orders)
            .values(order_id=order_id, status=ReservationStatus.RELEASED.value, released_at=func.now())
            .on_conflict_do_nothing(index_elements=[orders.c.order_id])
            .returning(orders.c.order_id)
        )
    ).first()
    if marked is not None:  # nothing was ever reserved for this order
        return Reservation(order_id, ReservationStatus.RELEASED, [], replayed=False)
    status, rows = await _load(session, order_id, lock=True)
    lines = [_line_from_row(row) for row in rows]
    if status is ReservationStatus.RELEASED:
        return Reservation(order_id, status, lines, replayed=True)
    restored = False
    if status is ReservationStatus.RESERVED:
        reserved = sorted((line for line in lines if line.outcome is LineOutcome.RESERVED), key=lambda x: x.product_id)
        ids = [line.product_id for line in reserved]
        await session.execute(
            select(products.c.id).where(products.c.id.in_(ids)).order_by(products.c.id).with_for_update()
        )
        await session.execute(_GIVE_BACK_STOCK, {"ids": ids, "quantities": [line.quantity for line in reserved]})
        restored = True
    await session.execute(
        update(orders)
        .where(orders.c.order_id == order_id)
        .values(status=ReservationStatus.RELEASED.value, released_at=func.now())
    )
    return Reservation(order_id, ReservationStatus.RELEASED, lines, replayed=False, stock_restored=restored)
