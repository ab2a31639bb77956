"""notify order changes (LISTEN/NOTIFY for subscriptions)

Every change to an order (its row updated, an event appended) sends ``NOTIFY orders_changed,
'<order id>'`` from a trigger, inside the writer's own transaction: PostgreSQL delivers it only
when that transaction commits (never for a rollback), and folds identical notifications of one
transaction into one. Whoever writes (an API instance, a worker, an operator's SQL) is covered.

Revision ID: 7d1f0c2b9a31
Revises: ce45e637aa5c
Create Date: 2026-12-05 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "7d1f0c2b9a31"
down_revision: str | None = "ce45e637aa5c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION orders.notify_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'orders' THEN
                PERFORM pg_notify('orders_changed', NEW.id::text);
            ELSE
                PERFORM pg_notify('orders_changed', NEW.order_id::text);
            END IF;
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER orders_changed AFTER UPDATE ON orders.orders FOR EACH ROW "
        # stock_released_at and the like are bookkeeping no client sees: no event for them.
        "WHEN ((OLD.status, OLD.shipping_address, OLD.carrier, OLD.tracking_number, OLD.tracking_url, "
        "OLD.estimated_delivery, OLD.total_amount, OLD.rejection_reason) IS DISTINCT FROM "
        "(NEW.status, NEW.shipping_address, NEW.carrier, NEW.tracking_number, NEW.tracking_url, "
        "NEW.estimated_delivery, NEW.total_amount, NEW.rejection_reason)) "
        "EXECUTE FUNCTION orders.notify_order_changed()"
    )
    op.execute(
        "CREATE TRIGGER order_events_added AFTER INSERT ON orders.order_events "
        "FOR EACH ROW EXECUTE FUNCTION orders.notify_order_changed()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS order_events_added ON orders.order_events")
    op.execute("DROP TRIGGER IF EXISTS orders_changed ON orders.orders")
    op.execute("DROP FUNCTION IF EXISTS orders.notify_order_changed()")
