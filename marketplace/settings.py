"""Settings of the launcher (``marketplace up``) and of one-shot commands."""

from __future__ import annotations

from servicekit.settings import CommonSettings, env_field


class LauncherSettings(CommonSettings):
    router_port: int = env_field(4000, "ROUTER_PORT")
    users_port: int = env_field(4001, "USERS_PORT")
    products_port: int = env_field(4002, "PRODUCTS_PORT")
    orders_port: int = env_field(4003, "ORDERS_PORT")
    users_database_url: str | None = env_field(None, "USERS_DATABASE_URL", "USERS_DATABASE_URL")
    products_database_url: str | None = env_field(None, "PRODUCTS_DATABASE_URL", "PRODUCTS_DATABASE_URL")
    orders_database_url: str | None = env_field(None, "ORDERS_DATABASE_URL", "ORDERS_DATABASE_URL")
    ready_timeout_seconds: float = env_field(90.0, "READY_TIMEOUT_SECONDS")

    def service_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def service_database_url(self, service: str) -> str | None:
        value = getattr(self, f"{service}_database_url")
        return str(value) if value else self.database_url
