"""Tables of the orders service, all in the PostgreSQL schema ``orders``.

Rows are never deleted: a cancelled or "deleted" order keeps its row, items and timeline.
``outbox`` is the transactional outbox: a row is written in the same transaction as the change
that needs background work (process an order, release its stock), so the work cannot be lost
between the commit and the broker; the relay publishes rows that are due and the worker marks
them done.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.models.base import schema_metadata

SCHEMA = "orders"

ORDER_STATUSES = ("PENDING", "CONFIRMED", "REJECTED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "FAILED")
TASK_KINDS = ("process", "release")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class OrdersBase(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


class Order(OrdersBase):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(_in("status", ORDER_STATUSES), name="status"),
        Index("ix_orders_buyer_created", "buyer_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    buyer_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    shipping_address: Mapped[str] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(String(3))
    total_amount: Mapped[int | None] = mapped_column(BigInteger)
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(Text)
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    estimated_delivery: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_from_buyer: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    stock_released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OrderItem(OrdersBase):
    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity"),
        Index("ix_order_items_seller", "seller_id"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_amount: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    seller_id: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(Text)


class OrderEvent(OrdersBase):
    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    description: Mapped[str] = mapped_column(Text)


class OutboxTask(OrdersBase):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("kind", TASK_KINDS), name="kind"),
        Index("ix_outbox_due", "due_at", postgresql_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    publish_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
