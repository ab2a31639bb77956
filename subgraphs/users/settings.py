"""Settings of the users subgraph (prefix ``MARKETPLACE_USERS``; see docs/configuration.md)."""

from __future__ import annotations

from typing import ClassVar

from subgraphs.common.settings import SubgraphSettings, env_field


class UsersSettings(SubgraphSettings):
    service_name: ClassVar[str] = "users"

    port: int = env_field(4001, "USERS_PORT")
    service_database_url: str | None = env_field(
        None, "USERS_DATABASE_URL", "USERS_DATABASE_URL", description="falls back to DATABASE_URL"
    )
