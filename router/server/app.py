"""The router's Starlette app: ``/graphql`` (POST, GET, GraphiQL), ``/``, ``/health``, ``/ready``, ``/metrics``.

Order of the checks on ``/graphql``, cheapest first: CSRF (headers only), the caller's token
(401 before the body is read), the content type, the body size (read with a hard cap), the JSON
shape and batching, then per operation the persisted query, the text limits, authorization and
execution (see :mod:`router.server.pipeline`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from router.execution.executor import SubgraphFetcher
from router.rest import rest_routes
from router.server.apq import PersistedQueries
from router.server.auth import RouterAuthenticator
from router.server.body import read_limited_body
from router.server.config import RouterConfig
from router.server.csrf import CsrfPolicy, content_type_essence
from router.server.errors import RequestError
from router.server.graphiql import ASSET_PREFIX, GraphiQLPage, wants_html
from router.server.graphql_request import GraphQLRequest, parse_get, parse_post
from router.server.headers import HeaderPropagation, per_subgraph_headers
from router.server.metrics import RouterMetrics
from router.server.observability import RequestLogging, count_subgraph_call
from router.server.pipeline import Pipeline
from router.server.reload import Reloader, SupergraphSource
from router.server.responses import GraphQLJSONResponse
from router.server.runtime import RouterRuntime, RuntimeHolder, build_runtime
from router.server.service_token import ServiceTokenCache
from router.server.subgraph_calls import SubgraphCalls
from router.server.tracing import finish_request_span, router_tracing
from subgraphs.common.app import Lifecycle
from subgraphs.common.tracing import TracingMiddleware, TracingSettings

log = logging.getLogger(__name__)

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


def _is_json(content_type: str | None) -> bool:
    essence = content_type_essence(content_type)
    return essence is not None and (essence == "application/json" or essence.endswith("+json"))


def create_router_app(source: SupergraphSource, config: RouterConfig, options: RouterOptions) -> Starlette:
    """The router app over the supergraph ``source``; the first load happens here, so a bad schema fails the start."""
    config = config.resolved(production=options.production)
    metrics = RouterMetrics()
    tracing = router_tracing(config.telemetry, options.tracing)
    tracer = tracing.tracer if tracing is not None else None
    propagation = HeaderPropagation(
        config.headers.all.request, {name: rules.request for name, rules in config.headers.subgraphs.items()}
    )

    def on_fetch(service: str, seconds: float, response: dict[str, object]) -> None:
        metrics.observe_fetch(service, seconds, response)
        count_subgraph_call()

    def wrap(fetcher: SubgraphFetcher) -> SubgraphFetcher:
        return SubgraphCalls(fetcher, tracer)

    wrapper = wrap if tracer is not None or propagation.subgraph_rules else None

    def build(sdl: str) -> RouterRuntime:
        return build_runtime(sdl, config, on_fetch, wrapper)

    holder = RuntimeHolder(build(source.load()))
    metrics.watch_planner_cache(lambda: holder.current.planner_cache())
    persisted = PersistedQueries(config.apq, config.persisted_queries)
    pipeline = Pipeline(config, holder, persisted, metrics)
    csrf = CsrfPolicy(config.csrf)
    tokens = ServiceTokenCache(options.internal_secret) if options.internal_secret else None
    authenticator = options.authenticator
    graphiql = GraphiQLPage(config.supergraph.path) if config.graphiql else None
    lifecycle = Lifecycle()
    reloader = (
        Reloader(
            source,
            holder,
            build,
            interval=options.reload_interval,
            on_result=lambda result: metrics.reloads.labels(result).inc(),
        )
        if options.reload_interval
        else None
    )
    path = config.supergraph.path

    def subgraph_headers(request: Request) -> dict[str, str]:
        """The headers every subgraph gets for ``request``; those of subgraphs with rules of their own
        are set aside for the request in ``per_subgraph_headers`` (read by the fetch wrapper)."""
        client = request.client.host if request.client else None
        request_id = str(request.scope.get("state", {}).get("request_id", "-"))
        token = (tokens.header, tokens.token()) if tokens is not None else None
        if propagation.subgraph_rules:
            per_subgraph_headers.set(
                propagation.per_subgraph(
                    request.headers, request_id=request_id, client_address=client, service_token=token
                )
            )
        return propagation.subgraph_headers(
            request.headers, request_id=request_id, client_address=client, service_token=token
        )

    async def graphql(request: Request) -> Response:
        if request.method == "GET" and graphiql is not None and wants_html(request):
            return graphiql.page()
        try:
            return await _graphql(request)
        except RequestError as error:
            return GraphQLJSONResponse(error.body(), status_code=error.status)

    async def _graphql(request: Request) -> Response:
        if not csrf.allows(request.headers):
            raise RequestError(400, csrf.message, "CSRF_ERROR")
        principal = await authenticator.authenticate(request.headers) if authenticator is not None else None
        parsed: list[GraphQLRequest] | GraphQLRequest
        if request.method == "POST":
            if not _is_json(request.headers.get("content-type")):
                raise RequestError(415, "The 'content-type' header must be application/json.", "UNSUPPORTED_MEDIA_TYPE")
            body = await read_limited_body(request, config.limits.http_max_request_bytes)
            parsed = parse_post(body, config.batching)
        else:
            parsed = parse_get(request.query_params)
        headers = subgraph_headers(request)
        if isinstance(parsed, list):
            outcomes = await asyncio.gather(
                *(
                    pipeline.run(item, method=request.method, principal=principal, subgraph_headers=headers)
                    for item in parsed
                )
            )
            return GraphQLJSONResponse([o.body for o in outcomes])
        outcome = await pipeline.run(parsed, method=request.method, principal=principal, subgraph_headers=headers)
        return GraphQLJSONResponse(outcome.body, status_code=outcome.status)

    async def rest_execute(
        query: str, variables: Mapping[str, Any], operation_name: str | None, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        """REST routes run their declared operation through the same pipeline as /graphql (no HTTP hop)."""
        try:
            principal = await authenticator.authenticate(headers) if authenticator is not None else None
        except RequestError as error:
            return error.body()
        request = GraphQLRequest(query, dict(variables), operation_name)
        outcome = await pipeline.run(request, method="POST", principal=principal, subgraph_headers=headers)
        return outcome.body

    rest = (
        rest_routes(
            holder.current.engine.api_schema,
            rest_execute,
            options.rest_declarations,
            forward_headers=subgraph_headers,
            max_body_bytes=config.limits.http_max_request_bytes,
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
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def asset(request: Request) -> Response:
        if graphiql is None:
            return Response("not found", status_code=404, media_type="text/plain")
        return await graphiql.asset(request)

    routes: list[BaseRoute] = [
        Route(path, graphql, methods=["GET", "POST"]),
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
        lifecycle.ready = True
        log.info("router ready: GraphQL at %s (GraphiQL %s)", path, "on" if graphiql else "off")
        try:
            yield
        finally:
            lifecycle.ready = False
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
    app.state.config = config
    cors = config.cors
    app.add_middleware(
        CORSMiddleware,
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
