"""Tables of the products service, all in the PostgreSQL schema ``products``."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from db.models.base import schema_metadata

SCHEMA = "products"


class ProductsBase(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
