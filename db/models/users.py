"""Tables of the users service, all in the PostgreSQL schema ``users``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from db.models.base import schema_metadata

SCHEMA = "users"


class UsersBase(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
