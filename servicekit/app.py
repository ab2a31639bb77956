"""The app factory every subgraph uses: GraphQL at ``/graphql`` plus ``/health``, ``/ready``, ``/metrics``.

``/ready`` answers 503 as soon as the process starts draining (see :mod:`servicekit.serve`) and
while any readiness check fails, so a load balancer stops sending traffic before the process stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from servicekit.lifecycle import Lifecycle, ReadinessCheck
from servicekit.observability import RequestObservability, ServiceMetrics
from servicekit.pool_metrics import DatabasePoolCollector
from servicekit.tracing import TracingMiddleware, TracingSettings, tracing_from_settings

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]
ContextGetter = Callable[..., Awaitable[Any]]


def create_subgraph_app(
    *,
    service: str,
    schema: Schema,
    context_getter: ContextGetter,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    readiness_checks: Sequence[ReadinessCheck] = (),
    routes: Sequence[BaseRoute] = (),
    graphiql: bool = True,
    tracing: TracingSettings | None = None,
) -> Starlette:
    """The subgraph app; ``tracing`` defaults to the OpenTelemetry environment (off unless an endpoint is set)."""
    lifecycle = Lifecycle(checks=tuple(readiness_checks))
    tracer = tracing_from_settings(tracing if tracing is not None else TracingSettings(), service)

    class ServiceGraphQL(GraphQL[Any, None]):
        async def get_context(self, request: Any, response: Any) -> Any:
            return await context_getter(request, response)

    graphql_app = ServiceGraphQL(schema, graphql_ide="graphiql" if graphiql else None)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": service})

    async def ready(_: Request) -> Response:
        if await lifecycle.is_ready():
            return JSONResponse({"status": "ready", "service": service})
        status = "draining" if lifecycle.draining else "not ready"
        return JSONResponse({"status": status, "service": service}, status_code=503)

    all_routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/graphql", graphql_app, methods=["GET", "POST"]),
        # Subscriptions (graphql-transport-ws); a schema without a Subscription type refuses them.
        WebSocketRoute("/graphql", graphql_app),
        *routes,
    ]
    metrics = ServiceMetrics(service, frozenset(r.path for r in all_routes if isinstance(r, Route)) | {"/metrics"})

    metrics.registry.register(DatabasePoolCollector())

    async def metrics_endpoint(_: Request) -> Response:
        for refresh in metrics.before_scrape:
            await refresh()
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    all_routes.append(Route("/metrics", metrics_endpoint, methods=["GET"]))

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        for hook in on_startup:
            await hook()
        lifecycle.ready = True
        log.info("%s ready", service)
        try:
            yield
        finally:
            lifecycle.ready = False
            for hook in on_shutdown:
                await hook()
            if tracer is not None:
                await asyncio.to_thread(tracer.shutdown)

    app = Starlette(routes=all_routes, lifespan=lifespan)
    app.state.lifecycle = lifecycle
    app.state.metrics = metrics
    app.add_middleware(RequestObservability, metrics=metrics)
    if tracer is not None:
        app.add_middleware(TracingMiddleware, tracer=tracer.tracer, known_paths=metrics.known_paths)
    app.state.tracing = tracer
    return app
