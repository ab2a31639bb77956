"""orders, items, events, outbox

Revision ID: ce45e637aa5c
Revises:
Create Date: 2026-11-24 09:38:14.305533
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ce45e637aa5c"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("buyer_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("shipping_address", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("total_amount", sa.BigInteger(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=64), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("carrier", sa.String(length=100), nullable=True),
        sa.Column("tracking_number", sa.String(length=100), nullable=True),
        sa.Column("tracking_url", sa.String(length=2000), nullable=True),
        sa.Column("estimated_delivery", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_from_buyer", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("stock_released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'CONFIRMED', 'REJECTED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED')",
            name=op.f("ck_orders_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        schema="orders",
    )
    op.create_index("ix_orders_buyer_created", "orders", ["buyer_id", "created_at"], unique=False, schema="orders")
    op.create_table(
        "order_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.orders.id"], name=op.f("fk_order_events_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_events")),
        schema="orders",
    )
    op.create_index(
        op.f("ix_orders_order_events_order_id"), "order_events", ["order_id"], unique=False, schema="orders"
    )
    op.create_table(
        "order_items",
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("seller_id", sa.String(length=64), nullable=True),
        sa.Column("product_name", sa.Text(), nullable=True),
        sa.CheckConstraint("quantity BETWEEN 1 AND 1000", name=op.f("ck_order_items_quantity")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.orders.id"], name=op.f("fk_order_items_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_order_items")),
        schema="orders",
    )
    op.create_index("ix_order_items_seller", "order_items", ["seller_id"], unique=False, schema="orders")
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('process', 'release')", name=op.f("ck_outbox_kind")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.orders.id"], name=op.f("fk_outbox_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        schema="orders",
    )
    op.create_index(op.f("ix_orders_outbox_order_id"), "outbox", ["order_id"], unique=False, schema="orders")
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["due_at"],
        unique=False,
        schema="orders",
        postgresql_where=sa.text("done_at IS NULL"),
    )


def downgrade() -> None:

    op.drop_index("ix_outbox_due", table_name="outbox", schema="orders", postgresql_where=sa.text("done_at IS NULL"))
    op.drop_index(op.f("ix_orders_outbox_order_id"), table_name="outbox", schema="orders")
    op.drop_table("outbox", schema="orders")
    op.drop_index("ix_order_items_seller", table_name="order_items", schema="orders")
    op.drop_table("order_items", schema="orders")
    op.drop_index(op.f("ix_orders_order_events_order_id"), table_name="order_events", schema="orders")
    op.drop_table("order_events", schema="orders")
    op.drop_index("ix_orders_buyer_created", table_name="orders", schema="orders")
    op.drop_table("orders", schema="orders")
