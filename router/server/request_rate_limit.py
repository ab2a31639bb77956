"""``traffic_shaping.router.global_rate_limit`` at the door: a client request without a token of the
router's budget (:mod:`router.server.rate_limit`) is answered 429 before anything else runs."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from router.server.rate_limit import TokenBucket, retry_after

RATE_LIMITED = "Your request has been rate limited: the router's request budget is spent for now."


def rate_limited_body(wait: float, *, problem: bool) -> bytes:
    """The 429 answer: GraphQL errors (code ``REQUEST_RATE_LIMITED``), as a problem document too off /graphql."""
    error = {"message": RATE_LIMITED, "extensions": {"code": "REQUEST_RATE_LIMITED", "retryAfter": round(wait, 3)}}
    if not problem:
        return orjson.dumps({"errors": [error]})
    document = {
        "type": "urn:marketplace:problem:rate-limited",
        "title": "Too Many Requests",
        "status": 429,
        "detail": RATE_LIMITED,
        "code": "REQUEST_RATE_LIMITED",
        "errors": [error],
    }
    return orjson.dumps(document)


class RouterRateLimit:
    """ASGI middleware: every client request takes a token of ``bucket``; without one it is answered 429
    with ``Retry-After`` before anything else runs (no authentication, parsing or planning).

    ``exempt``: paths that never count (health checks, metrics, the home page); ``exempt_prefix``: nor
    does anything under it (GraphiQL's assets). A WebSocket handshake counts as a request: past the
    budget the socket is closed as soon as it opens, with 1013 (try again later).
    """

    def __init__(
        self,
        app: ASGIApp,
        bucket: TokenBucket,
        graphql_path: str,
        exempt: frozenset[str],
        exempt_prefix: str | None = None,
        on_refused: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.bucket = bucket
        self.graphql_path = graphql_path
        self.exempt = exempt
        self.exempt_prefix = exempt_prefix
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        path = scope.get("path", "")  # a lifespan scope has none
        if (
            kind not in ("http", "websocket")
            or path in self.exempt
            or (self.exempt_prefix is not None and path.startswith(self.exempt_prefix))
        ):
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take()
        if not wait:
            await self.app(scope, receive, send)
            return
        if self.on_refused is not None:
            self.on_refused()
        if kind == "http":
            problem = path != self.graphql_path
            body = rate_limited_body(wait, problem=problem)
            headers = [
                (b"content-type", b"application/problem+json" if problem else b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", retry_after(wait).encode()),
            ]
            await send({"type": "http.response.start", "status": 429, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        # A WebSocket is accepted (with the client's first subprotocol, which browsers insist on) and closed
        # at once with 1013 Try Again Later: a client reads that code and reason, where a refused handshake
        # would only show a failed connection (and uvicorn logs a denial response as an error).
        await receive()  # websocket.connect
        subprotocols = scope.get("subprotocols") or []
        await send({"type": "websocket.accept", "subprotocol": subprotocols[0] if subprotocols else None})
        await send(
            {"type": "websocket.close", "code": 1013, "reason": "rate limited: retry after " + retry_after(wait) + " s"}
        )
