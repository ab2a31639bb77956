"""``marketplace serve SERVICE``: run one subgraph (embedded PostgreSQL when no URL is configured)."""

from __future__ import annotations

import importlib
from typing import Any

from db.embedded import start_embedded_postgres
from servicekit.observability import configure_logging
from servicekit.serve import serve
from servicekit.settings import SubgraphSettings, load_settings

SETTINGS_CLASSES = {
    "users": "subgraphs.users.settings:UsersSettings",
    "products": "subgraphs.products.settings:ProductsSettings",
    "orders": "subgraphs.orders.settings:OrdersSettings",
}


def settings_class(service: str) -> type[SubgraphSettings]:
    module_name, _, class_name = SETTINGS_CLASSES[service].partition(":")
    cls: type[SubgraphSettings] = getattr(importlib.import_module(module_name), class_name)
    return cls


def serve_service(service: str, port: int | None = None) -> int:
    overrides: dict[str, Any] = {"port": port} if port else {}
    settings = load_settings(settings_class(service), **overrides)
    configure_logging(settings)
    if settings.effective_database_url is None:
        embedded = start_embedded_postgres(settings.data_dir)
        settings = settings.model_copy(update={"database_url": embedded.url()})
    app_module = importlib.import_module(f"subgraphs.{service}.app")
    app = app_module.create_app(settings)
    serve(
        app,
        host=settings.host,
        port=settings.port,
        drain_seconds=settings.drain_seconds,
        log_level=settings.log_level,
        stop_listening_first=settings.drain_stop_listening,
    )
    return 0
