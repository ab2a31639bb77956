"""Tables of the products service, all in the PostgreSQL schema ``products``.

``products.search`` is a generated ``tsvector`` (name weighted A, description B) with a GIN index,
so full-text search never needs application code to keep it in sync. ``stock >= 0`` is enforced by
a ``CHECK`` constraint as the last line of defence behind the conditional updates of reservations.
Deleting a product only sets ``deleted_at``: orders placed earlier still resolve its name and price.

A stock reservation is recorded per order (``stock_reservation_orders``, one row per order with
its outcome) and per order line (``stock_reservations``), which is what makes reserving and
releasing idempotent: a second call finds the order's row and replays the recorded outcome.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.models.base import schema_metadata

SCHEMA = "products"

SEARCH_EXPRESSION = (
    "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')"
)


class ProductsBase(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


class Product(ProductsBase):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    seller_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    price_amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    price_currency: Mapped[str] = mapped_column(String(3), nullable=False)
    stock: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(SEARCH_EXPRESSION, persisted=True))

    __table_args__ = (
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price_amount >= 0", name="price_not_negative"),
        CheckConstraint("price_currency ~ '^[A-Z]{3}$'", name="price_currency_iso"),
        Index("ix_products_search", "search", postgresql_using="gin"),
        Index("ix_products_listing", "created_at", "id", postgresql_where=text("deleted_at IS NULL")),
        Index("ix_products_seller", "seller_id", "created_at", "id", postgresql_where=text("deleted_at IS NULL")),
        Index(
            "ix_products_category",
            func.lower(text("category")),
            "created_at",
            "id",
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_products_price", "price_amount", postgresql_where=text("deleted_at IS NULL")),
    )


class StockReservationOrder(ProductsBase):
    """One row per order that asked to reserve or release stock: the order's reservation outcome."""

    __tablename__ = "stock_reservation_orders"

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (CheckConstraint("status IN ('RESERVED', 'REJECTED', 'RELEASED')", name="status_known"),)


class StockReservation(ProductsBase):
    """One order line of a reservation, with the product's price, name and seller at that time."""

    __tablename__ = "stock_reservations"

    order_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        ForeignKey(f"{SCHEMA}.stock_reservation_orders.order_id", ondelete="CASCADE"),
        primary_key=True,
    )
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    product_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    seller_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), nullable=True)
    unit_price_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    unit_price_currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    available: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("outcome IN ('RESERVED', 'REJECTED', 'NOT_RESERVED')", name="outcome_known"),
    )
