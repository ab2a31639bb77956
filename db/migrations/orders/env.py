"""Alembic environment of the orders schema."""

from db.migrations.runtime import run_migrations
from db.models.orders import SCHEMA, OrdersBase

run_migrations(SCHEMA, OrdersBase.metadata)
