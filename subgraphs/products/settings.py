"""Settings of the products subgraph (prefix ``MARKETPLACE_PRODUCTS``; see docs/configuration.md)."""

from __future__ import annotations

from typing import ClassVar

from subgraphs.common.settings import SubgraphSettings, env_field


class ProductsSettings(SubgraphSettings):
    service_name: ClassVar[str] = "products"

    port: int = env_field(4002, "PRODUCTS_PORT")
    service_database_url: str | None = env_field(
        None, "PRODUCTS_DATABASE_URL", "PRODUCTS_DATABASE_URL", description="falls back to DATABASE_URL"
    )
