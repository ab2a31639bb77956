"""Tables of the orders service, all in the PostgreSQL schema ``orders``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from db.models.base import schema_metadata

SCHEMA = "orders"


class OrdersBase(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
