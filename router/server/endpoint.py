"""``/graphql`` as a plain ASGI app: the router's per-request path, kept lean.

Order of the checks, cheapest first: CSRF (headers only), the caller's token (401 before the body
is read), the content type, the body size (read with a hard cap), the JSON shape and batching,
then per operation the persisted query, the text limits, authorization and execution (see
:mod:`router.server.pipeline`).

The app reads the headers once into a dict and answers with two ``send`` calls: no Starlette
``Request``/``Response`` objects, whose header lookups rescan the raw list every time. The
Starlette app mounts it as the ``/graphql`` route (so methods, HEAD and ``root_path`` behave as
any route), and :class:`GraphQLShortcut` also hands it ``GET``/``POST`` to the exact path straight
from the middleware stack, skipping Starlette's exception middleware and router, which have
nothing to do for it (it answers every refusal itself; anything else still reaches the
server-error middleware above).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from router.server.asgi import read_body, request_headers, send_json
from router.server.auth import RouterAuthenticator
from router.server.config import RouterConfig
from router.server.csrf import CsrfPolicy, content_type_essence
from router.server.errors import RequestError
from router.server.graphiql import GraphiQLPage, wants_html
from router.server.graphql_request import GraphQLRequest, parse_get, parse_post
from router.server.pipeline import Pipeline

# (scope, the request's headers) -> the headers every subgraph gets for the request.
SubgraphHeaders = Callable[[Scope, Mapping[str, str]], Mapping[str, str]]


def is_json(content_type: str | None) -> bool:
    essence = content_type_essence(content_type)
    return essence is not None and (essence == "application/json" or essence.endswith("+json"))


class GraphQLEndpoint:
    def __init__(
        self,
        config: RouterConfig,
        pipeline: Pipeline,
        csrf: CsrfPolicy,
        authenticator: RouterAuthenticator | None,
        graphiql: GraphiQLPage | None,
        subgraph_headers: SubgraphHeaders,
    ) -> None:
        self.pipeline = pipeline
        self.csrf = csrf
        self.authenticator = authenticator
        self.graphiql = graphiql
        self.subgraph_headers = subgraph_headers
        self.max_body = config.limits.http_max_request_bytes
        self.batching = config.batching

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # One coroutine, not a call per step: each level is re-entered whenever the engine resumes.
        headers = request_headers(scope)
        method = scope["method"]
        params = QueryParams(scope["query_string"]) if method != "POST" else None
        if method == "GET" and self.graphiql is not None and params is not None and wants_html(headers, params):
            await self.graphiql.page()(scope, receive, send)
            return
        status: int
        body: object
        try:
            if not self.csrf.allows(headers):
                raise RequestError(400, self.csrf.message, "CSRF_ERROR")
            authenticator = self.authenticator
            principal = await authenticator.authenticate(headers) if authenticator is not None else None
            parsed: list[GraphQLRequest] | GraphQLRequest
            if params is None:
                if not is_json(headers.get("content-type")):
                    raise RequestError(
                        415, "The 'content-type' header must be application/json.", "UNSUPPORTED_MEDIA_TYPE"
                    )
                raw = await read_body(receive, headers.get("content-length"), self.max_body)
                parsed = parse_post(raw, self.batching)
            else:
                parsed = parse_get(params)
            forwarded = self.subgraph_headers(scope, headers)
            run = self.pipeline.run
            if isinstance(parsed, list):
                outcomes = await asyncio.gather(
                    *(run(item, method=method, principal=principal, subgraph_headers=forwarded) for item in parsed)
                )
                status, body = 200, [o.body for o in outcomes]
            else:
                outcome = await run(parsed, method=method, principal=principal, subgraph_headers=forwarded)
                status, body = outcome.status, outcome.body
        except RequestError as error:
            status, body = error.status, error.body()
        await send_json(send, status, body)


class GraphQLShortcut:
    """Sends ``GET``/``POST`` requests for exactly ``path`` to ``endpoint``; everything else to ``app``."""

    def __init__(self, app: ASGIApp, path: str, endpoint: ASGIApp) -> None:
        self.app = app
        self.path = path
        self.endpoint = endpoint

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not ``async``: it returns the chosen app's coroutine for the caller to await, so this layer
        # adds no coroutine frame to re-enter on every resumption of the request.
        if (
            scope["type"] == "http"
            and scope["path"] == self.path
            and scope["method"] in ("POST", "GET")
            and not scope.get("root_path")
        ):
            return self.endpoint(scope, receive, send)
        return self.app(scope, receive, send)
