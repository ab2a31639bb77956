"""products, stock reservations

Revision ID: 0001_products
Revises:
Create Date: 2026-11-24 09:40:07.757310
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_products"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("seller_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("price_currency", sa.String(length=3), nullable=False),
        sa.Column("stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('english'::regconfig, coalesce(name, '')), 'A') || "
                "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("price_currency ~ '^[A-Z]{3}$'", name=op.f("ck_products_price_currency_iso")),
        sa.CheckConstraint("price_amount >= 0", name=op.f("ck_products_price_not_negative")),
        sa.CheckConstraint("stock >= 0", name=op.f("ck_products_stock_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        schema="products",
    )
    op.create_index(
        "ix_products_category",
        "products",
        [sa.literal_column("lower(category)"), "created_at", "id"],
        unique=False,
        schema="products",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_products_listing",
        "products",
        ["created_at", "id"],
        unique=False,
        schema="products",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_products_price",
        "products",
        ["price_amount"],
        unique=False,
        schema="products",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index(
        "ix_products_search", "products", ["search"], unique=False, schema="products", postgresql_using="gin"
    )
    op.create_index(
        "ix_products_seller",
        "products",
        ["seller_id", "created_at", "id"],
        unique=False,
        schema="products",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "stock_reservation_orders",
        sa.Column("order_id", sa.UUID(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('RESERVED', 'REJECTED', 'RELEASED')", name=op.f("ck_stock_reservation_orders_status_known")
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_stock_reservation_orders")),
        schema="products",
    )
    op.create_table(
        "stock_reservations",
        sa.Column("order_id", sa.UUID(), nullable=False),
        sa.Column("product_id", sa.UUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("product_name", sa.String(length=200), nullable=True),
        sa.Column("seller_id", sa.UUID(), nullable=True),
        sa.Column("unit_price_amount", sa.BigInteger(), nullable=True),
        sa.Column("unit_price_currency", sa.String(length=3), nullable=True),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('RESERVED', 'REJECTED', 'NOT_RESERVED')", name=op.f("ck_stock_reservations_outcome_known")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_reservations_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["products.stock_reservation_orders.order_id"],
            name=op.f("fk_stock_reservations_order_id_stock_reservation_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "product_id", name=op.f("pk_stock_reservations")),
        schema="products",
    )


def downgrade() -> None:
    op.drop_table("stock_reservations", schema="products")
    op.drop_table("stock_reservation_orders", schema="products")
    op.drop_index(
        "ix_products_seller", table_name="products", schema="products", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_index("ix_products_search", table_name="products", schema="products", postgresql_using="gin")
    op.drop_index(
        "ix_products_price", table_name="products", schema="products", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_index(
        "ix_products_listing", table_name="products", schema="products", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_index(
        "ix_products_category", table_name="products", schema="products", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_table("products", schema="products")
