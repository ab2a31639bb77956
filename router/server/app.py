"""The router's Starlette app: ``/graphql`` (POST, GET, GraphiQL), ``/``, ``/health``, ``/ready``, ``/metrics``.

``/graphql`` itself is a plain ASGI app (:mod:`router.server.endpoint`); the middlewares around it
are pure ASGI too (request logging, optional tracing, CORS), since each Starlette layer and
``Request`` object is paid on every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Scope

from router.execution.executor import SubgraphFetcher
from router.rest import load_declarations, rest_routes
from router.rest.events import Refused
from router.server.apq import PersistedQueries
from router.server.asgi import request_headers
from router.server.auth import RouterAuthenticator
from router.server.client_address import ClientAddresses, parse_networks
from router.server.config import RouterConfig
from router.server.cors import RouterCORSMiddleware
from router.server.csrf import CsrfPolicy
from router.server.door import Door
from router.server.endpoint import GraphQLEndpoint, GraphQLShortcut
from router.server.errors import RequestError
from router.server.graphiql import ASSET_PREFIX, GraphiQLPage
from router.server.graphql_request import GraphQLRequest
from router.server.headers import HeaderPropagation, per_subgraph_headers
from router.server.in_flight import open_in_flight
from router.server.metrics import RouterMetrics
from router.server.observability import RequestLogging, count_subgraph_call
from router.server.pipeline import Pipeline
from router.server.rate_limit import RateLimits
from router.server.reload import Reloader, SupergraphSource, fingerprint
from router.server.request_concurrency_limit import RouterConcurrencyLimit
from router.server.request_rate_limit import RouterRateLimit
from router.server.retry_budget import RetryBudgets
from router.server.runtime import RouterRuntime, RuntimeHolder, build_runtime
from router.server.service_token import ServiceTokenCache
from router.server.subgraph_calls import SubgraphCalls
from router.server.subgraph_retry import RetryQueryFetches
from router.server.subscriptions import StreamingEndpoint, Subscriptions, WebSocketEndpoint
from router.server.subscriptions.manager import SubscriptionRefused
from router.server.tracing import finish_request_span, router_tracing
from router.server.uri_limit import UriLengthLimit
from servicekit.http_protocol import ProblemHttpToolsProtocol
from servicekit.lifecycle import Lifecycle
from servicekit.tracing import TracingMiddleware, TracingSettings

log = logging.getLogger(__name__)

# The HTTP/1.1 protocol ``router serve`` runs uvicorn with (every worker too): httptools', whose C
# parser and plain writes cost well under half of h11's CPU per request (servicekit.http_protocol).
HTTP_PROTOCOL = ProblemHttpToolsProtocol

# Never counted by the rate or concurrency limit: probes and scrapes (a spent budget must not make the
# router look dead) and the pages (the home page, GraphiQL's assets): the limits are for operations, as
# Apollo Router's.
UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics", "/"})

HOMEPAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Marketplace router</title></head>
<body><h1>Marketplace router</h1><p>Send GraphQL requests to <code>{path}</code>.</p></body></html>"""


@dataclass
class RouterOptions:
    """What the process supplies beside the config file (tests build these directly)."""

    production: bool = False
    authenticator: RouterAuthenticator | None = None
    internal_secret: str | None = None
    reload_interval: float | None = None
    extra_routes: Sequence[BaseRoute] = field(default_factory=tuple)
    # The OpenTelemetry environment; ``None``: only router.yaml's telemetry section counts.
    tracing: TracingSettings | None = None
    # The folder of REST declarations (``@rest`` operations); ``None``: no REST routes, /openapi.json or /docs.
    rest_declarations: Path | None = None
    # The worker's index under ``router serve --workers N`` (labels ``router_worker_supergraph``).
    worker: int | None = None


def create_router_app(source: SupergraphSource, config: RouterConfig, options: RouterOptions) -> Starlette:
    """The router app over the supergraph ``source``; the first load happens here, so a bad schema fails the start."""
    config = config.resolved(production=options.production)
    metrics = RouterMetrics(worker=options.worker)
    tracing = router_tracing(config.telemetry, options.tracing)
    tracer = tracing.tracer if tracing is not None else None
    propagation = HeaderPropagation(
        config.headers.all.request, {name: rules.request for name, rules in config.headers.subgraphs.items()}
    )

    def on_fetch(service: str, seconds: float, response: dict[str, object]) -> None:
        metrics.observe_fetch(service, seconds, response)
        count_subgraph_call()

    # Kept across reloads: a new schema refills no budget.
    rate_limits = RateLimits(config.traffic_shaping)
    retry_budgets = RetryBudgets(config.traffic_shaping)

    def wrap(fetcher: SubgraphFetcher) -> SubgraphFetcher:
        # A query whose instance died unanswered is sent again, within the subgraph's retry budget.
        retrying = RetryQueryFetches(fetcher, budgets=retry_budgets, on_retry=metrics.count_retry)
        return SubgraphCalls(retrying, tracer) if tracer is not None or propagation.subgraph_rules else retrying

    wrapper = wrap

    def build(sdl: str) -> RouterRuntime:
        runtime = build_runtime(
            sdl,
            config,
            on_fetch,
            wrapper,
            on_shared=metrics.count_shared_fetch,
            rate_limits=rate_limits,
            on_rate_limited=metrics.count_rate_limited_fetch,
        )
        if options.rest_declarations is not None:
            # A new schema that breaks a declared REST operation is refused like any bad schema (a hot
            # reload keeps the old one); at start, rest_routes below raises the same error.
            load_declarations(options.rest_declarations, runtime.engine.api_schema)
        metrics.loaded_supergraph(fingerprint(sdl))
        return runtime

    holder = RuntimeHolder(build(source.load()))
    metrics.watch_planner_cache(lambda: holder.current.planner_cache())
    persisted = PersistedQueries(config.apq, config.persisted_queries)
    pipeline = Pipeline(config, holder, persisted, metrics)
    gate = pipeline.gate
    if gate is not None:
        metrics.watch_admission(lambda: (gate.limit, gate.waited))
    csrf = CsrfPolicy(config.csrf)
    tokens = ServiceTokenCache(options.internal_secret) if options.internal_secret else None
    addresses = ClientAddresses(parse_networks(config.trusted_proxies))
    authenticator = options.authenticator
    graphiql = GraphiQLPage(config.supergraph.path) if config.graphiql else None
    lifecycle = Lifecycle()
    subscriptions = Subscriptions(config, pipeline, holder, metrics, lifecycle)

    def on_reload(result: str) -> None:
        metrics.reloads.labels(result).inc()
        if result == "success":
            subscriptions.reloaded()

    reloader = (
        Reloader(
            source,
            holder,
            build,
            interval=options.reload_interval,
            on_result=on_reload,
        )
        if options.reload_interval
        else None
    )
    path = config.supergraph.path

    # A ``matching`` propagation rule iterates every request header, repeated ones included: it gets
    # Starlette's multi-valued view; all other rules only look names up, in the plain dict.
    needs_all_headers = propagation.matches_patterns

    def subgraph_headers(scope: Scope, headers: Mapping[str, str]) -> dict[str, str]:
        """The headers every subgraph gets for the request; those of subgraphs with rules of their own
        are set aside for the request in ``per_subgraph_headers`` (read by the fetch wrapper)."""
        client = scope.get("client")
        address = addresses.client(client[0] if client else None, headers)
        request_id = str(scope.get("state", {}).get("request_id", "-"))
        token = (tokens.header, tokens.token(address)) if tokens is not None else None
        if needs_all_headers:
            headers = Headers(scope=scope)
        if propagation.subgraph_rules:
            per_subgraph_headers.set(
                propagation.per_subgraph(headers, request_id=request_id, client_address=address, service_token=token)
            )
        return propagation.subgraph_headers(headers, request_id=request_id, client_address=address, service_token=token)

    def forward_headers(request: Request) -> dict[str, str]:
        return subgraph_headers(request.scope, request_headers(request.scope))

    # Requests that ask for a stream (SSE, multipart) go to the subscription transports, the rest on.
    graphql = StreamingEndpoint(
        GraphQLEndpoint(config, pipeline, csrf, authenticator, graphiql, subgraph_headers),
        subscriptions,
        csrf,
        authenticator,
        subgraph_headers,
        config.limits.http_max_request_bytes,
        defer_support=config.supergraph.defer_support,
    )

    async def rest_execute(
        query: str, variables: Mapping[str, Any], operation_name: str | None, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """REST routes run their declared operation through the same pipeline as /graphql (no HTTP hop)."""
        try:
            principal = await authenticator.authenticate(headers) if authenticator is not None else None
        except RequestError as error:
            return error.body()
        request = GraphQLRequest(query, dict(variables), operation_name)
        # Not shareable: the REST layer builds its response from the body and must own it.
        outcome = await pipeline.run(
            request, method="POST", principal=principal, subgraph_headers=headers, shareable=False
        )
        return outcome.body

    async def rest_subscribe(
        query: str, variables: Mapping[str, Any], operation_name: str | None, headers: Mapping[str, str]
    ) -> AsyncIterator[dict[str, Any]] | Refused:
        """REST routes declared on a subscription open it like any client (caps, limits, authorization)."""
        try:
            principal = await authenticator.authenticate(headers) if authenticator is not None else None
            request = GraphQLRequest(query, dict(variables), operation_name)
            return aiter(await subscriptions.open(request, principal, dict(headers)))
        except RequestError as error:
            return Refused(error.status, [error.error()])
        except SubscriptionRefused as refused:
            return Refused(refused.status, refused.errors)

    rest = (
        rest_routes(
            holder.current.engine.api_schema,
            rest_execute,
            options.rest_declarations,
            forward_headers=forward_headers,
            max_body_bytes=config.limits.http_max_request_bytes,
            subscribe=rest_subscribe,
            heartbeat=config.subscription.heartbeat_interval,
        )
        if options.rest_declarations is not None
        else []
    )

    async def home(_: Request) -> Response:
        if graphiql is not None:
            return graphiql.page()
        if config.homepage.enabled:
            return HTMLResponse(HOMEPAGE.format(path=path))
        return Response("not found", status_code=404, media_type="text/plain")

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "router"})

    async def ready(_: Request) -> Response:
        if await lifecycle.is_ready():
            return JSONResponse({"status": "ready", "service": "router"})
        status = "draining" if lifecycle.draining else "not ready"
        return JSONResponse({"status": status, "service": "router"}, status_code=503)

    async def metrics_endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    async def asset(request: Request) -> Response:
        if graphiql is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return await graphiql.asset(request)

    routes: list[BaseRoute] = [
        Route(path, graphql, methods=["GET", "POST"]),
        WebSocketRoute(path, WebSocketEndpoint(subscriptions, authenticator, subgraph_headers)),
        Route("/", home, methods=["GET"]),
        Route(f"{ASSET_PREFIX}/{{name}}", asset, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *rest,
        *options.extra_routes,
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if reloader is not None:
            reloader.start()
        subscriptions.start()
        lifecycle.ready = True
        log.info("router ready: GraphQL at %s (GraphiQL %s)", path, "on" if graphiql else "off")
        try:
            yield
        finally:
            lifecycle.ready = False
            await subscriptions.aclose()
            if reloader is not None:
                await reloader.stop()
            await holder.aclose()
            await persisted.aclose()
            if tracing is not None:
                await asyncio.to_thread(tracing.shutdown)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.lifecycle = lifecycle
    app.state.metrics = metrics
    app.state.holder = holder
    app.state.reloader = reloader
    app.state.subscriptions = subscriptions
    app.state.config = config
    app.add_middleware(GraphQLShortcut, path=path, endpoint=graphql)  # innermost: inside CORS and logging
    app.add_middleware(UriLengthLimit, limit=config.limits.http_max_uri_bytes)
    concurrency_limit = config.traffic_shaping.router.concurrency_limit
    if concurrency_limit is not None:  # inside the rate limit: a request refused there takes no place
        door = Door(path, UNLIMITED_PATHS, ASSET_PREFIX + "/", metrics.requests_concurrency_limited.inc)
        app.add_middleware(
            RouterConcurrencyLimit, in_flight=open_in_flight(concurrency_limit, options.worker), door=door
        )
    if rate_limits.router is not None:  # inside CORS: a browser can read the 429
        door = Door(path, UNLIMITED_PATHS, ASSET_PREFIX + "/", metrics.requests_rate_limited.inc)
        app.add_middleware(RouterRateLimit, bucket=rate_limits.router, door=door)
    cors = config.cors
    app.add_middleware(
        RouterCORSMiddleware,
        allow_origins=["*"] if cors.allow_any_origin else cors.origins,
        allow_origin_regex="|".join(f"(?:{p})" for p in cors.match_origins) or None,
        allow_methods=cors.methods,
        allow_headers=cors.allow_headers or ["*"],
        allow_credentials=cors.allow_credentials,
        expose_headers=cors.expose_headers,
        max_age=int(cors.max_age) if cors.max_age is not None else 600,
    )
    known = frozenset(r.path for r in routes if isinstance(r, Route))
    if tracer is not None:
        # Inside RequestLogging, so the request's record (operations, outcome) is there when the span ends.
        app.add_middleware(TracingMiddleware, tracer=tracer, known_paths=known, on_end=finish_request_span)
    app.add_middleware(RequestLogging, metrics=metrics, known_paths=known)
    app.state.tracing = tracing
    return app
