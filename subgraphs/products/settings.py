"""Settings of the products subgraph (prefix ``MARKETPLACE_PRODUCTS``; see docs/products.md)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import field_validator

from servicekit.settings import SubgraphSettings, env_field, normalize_database_url


class ProductsSettings(SubgraphSettings):
    service_name: ClassVar[str] = "products"

    port: int = env_field(4002, "PRODUCTS_PORT")
    service_database_url: str | None = env_field(
        None, "PRODUCTS_DATABASE_URL", "PRODUCTS_DATABASE_URL", description="falls back to DATABASE_URL"
    )
    read_database_url: str | None = env_field(
        None,
        "PRODUCTS_READ_DATABASE_URL",
        "PRODUCTS_READ_DATABASE_URL",
        description="a read replica (hot standby) of the products database; reads go there when set",
    )
    read_your_writes_seconds: float = env_field(
        5.0,
        "PRODUCTS_READ_YOUR_WRITES_SECONDS",
        description="after a user writes, that user's reads go to the primary for this long",
    )
    replica_retry_seconds: float = env_field(
        5.0,
        "PRODUCTS_REPLICA_RETRY_SECONDS",
        description="after the replica fails, reads use the primary for this long before trying it again",
    )
    replica_connect_timeout: float = env_field(
        2.0, "PRODUCTS_REPLICA_CONNECT_TIMEOUT", description="seconds to wait for a replica connection"
    )
    reservation_services: str = env_field(
        "orders",
        "PRODUCTS_RESERVATION_SERVICES",
        description="comma-separated services whose service token may reserve and release stock",
    )

    @field_validator("read_database_url", mode="before")
    @classmethod
    def _read_database_url(cls, value: str | None) -> str | None:
        return normalize_database_url(value)

    @field_validator("read_your_writes_seconds", "replica_retry_seconds")
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("must be zero or more seconds")
        return value

    @field_validator("replica_connect_timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be more than zero seconds")
        return value

    @property
    def allowed_reservation_services(self) -> frozenset[str]:
        return frozenset(name.strip() for name in self.reservation_services.split(",") if name.strip())
