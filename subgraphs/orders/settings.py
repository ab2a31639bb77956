"""Settings of the orders subgraph (prefix ``MARKETPLACE_ORDERS``; see docs/configuration.md)."""

from __future__ import annotations

from typing import ClassVar

from subgraphs.common.settings import SubgraphSettings, env_field


class OrdersSettings(SubgraphSettings):
    service_name: ClassVar[str] = "orders"

    port: int = env_field(4003, "ORDERS_PORT")
    service_database_url: str | None = env_field(
        None, "ORDERS_DATABASE_URL", "ORDERS_DATABASE_URL", description="falls back to DATABASE_URL"
    )
