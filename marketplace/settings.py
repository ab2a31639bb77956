"""Settings of the launcher (``marketplace up``) and of one-shot commands."""

from __future__ import annotations

from enum import StrEnum

from servicekit.settings import CommonSettings, env_field


class EdgeMode(StrEnum):
    AUTO = "auto"  # nginx in front whenever it is installed (required with --replicas >= 2)
    ON = "on"  # nginx required
    OFF = "off"  # no edge: the routers are reached directly


class LauncherSettings(CommonSettings):
    router_port: int = env_field(4000, "ROUTER_PORT")
    users_port: int = env_field(4001, "USERS_PORT")
    products_port: int = env_field(4002, "PRODUCTS_PORT")
    orders_port: int = env_field(4003, "ORDERS_PORT")
    users_database_url: str | None = env_field(None, "USERS_DATABASE_URL", "USERS_DATABASE_URL")
    products_database_url: str | None = env_field(None, "PRODUCTS_DATABASE_URL", "PRODUCTS_DATABASE_URL")
    orders_database_url: str | None = env_field(None, "ORDERS_DATABASE_URL", "ORDERS_DATABASE_URL")
    ready_timeout_seconds: float = env_field(90.0, "READY_TIMEOUT_SECONDS")
    edge: EdgeMode = env_field(EdgeMode.AUTO, "EDGE", description="nginx in front: auto, on or off")
    https_port: int = env_field(8443, "HTTPS_PORT", description="the edge's HTTPS port")
    http_port: int = env_field(8080, "HTTP_PORT", description="the edge's HTTP port (redirects to HTTPS)")
    users_service_port: int = env_field(4091, "USERS_SERVICE_PORT", description="the edge's users upstream")
    products_service_port: int = env_field(4092, "PRODUCTS_SERVICE_PORT")
    orders_service_port: int = env_field(4093, "ORDERS_SERVICE_PORT")

    def service_port(self, service: str) -> int:
        return int(getattr(self, f"{service}_port"))

    def balancer_port(self, service: str) -> int:
        """Where the edge balances over the instances of ``service`` (the routers' URL for it)."""
        return int(getattr(self, f"{service}_service_port"))

    def service_database_url(self, service: str) -> str | None:
        value = getattr(self, f"{service}_database_url")
        return str(value) if value else self.database_url
