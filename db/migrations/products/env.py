"""Alembic environment of the products schema."""

from db.migrations.runtime import run_migrations
from db.models.products import SCHEMA, ProductsBase

run_migrations(SCHEMA, ProductsBase.metadata)
