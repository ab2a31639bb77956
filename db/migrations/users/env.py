"""Alembic environment of the users schema."""

from db.migrations.runtime import run_migrations
from db.models.users import SCHEMA, UsersBase

run_migrations(SCHEMA, UsersBase.metadata)
