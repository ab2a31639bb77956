"""The router's HTTP server: GraphQL over HTTP, GraphiQL, security limits, JWT, APQ, metrics, hot reload."""

from __future__ import annotations

from router.server.app import RouterOptions, create_router_app
from router.server.config import RouterConfig, load_router_config, parse_router_config

__all__ = ["RouterConfig", "RouterOptions", "create_router_app", "load_router_config", "parse_router_config"]
