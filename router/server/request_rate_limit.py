"""``traffic_shaping.router.global_rate_limit`` at the door: a client request without a token of the
router's budget (:mod:`router.server.rate_limit`) is answered 429 before anything else runs."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from router.rest.problems import problem_response
from router.server.door import Door
from router.server.rate_limit import TokenBucket, retry_after

RATE_LIMITED = "Your request has been rate limited: the router's request budget is spent for now."
CODE = "REQUEST_RATE_LIMITED"


def rate_limited_response(wait: float, *, problem: bool) -> Response:
    """The 429 answer with ``Retry-After``: one GraphQL error (code ``REQUEST_RATE_LIMITED``), in a problem
    document off /graphql (the REST layer's, as its own 429s for that code)."""
    error = {"message": RATE_LIMITED, "extensions": {"code": CODE, "retryAfter": round(wait, 3)}}
    headers = {"Retry-After": retry_after(wait)}
    if problem:
        return problem_response(429, RATE_LIMITED, code=CODE, errors=[error], headers=headers)
    return JSONResponse({"errors": [error]}, 429, headers=headers)


class RouterRateLimit:
    """ASGI middleware: every client request takes a token of ``bucket``; without one it is answered 429
    with ``Retry-After`` before anything else runs (no authentication, parsing or planning). Which
    requests count: :class:`router.server.door.Door`. A WebSocket handshake counts as a request: past the budget the
    socket is closed as soon as it opens, with 1013 (try again later).
    """

    def __init__(self, app: ASGIApp, bucket: TokenBucket, door: Door) -> None:
        self.app = app
        self.bucket = bucket
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        path = scope.get("path", "")  # a lifespan scope has none
        if kind not in ("http", "websocket") or not self.door.counts(path):
            await self.app(scope, receive, send)
            return
        wait = self.bucket.take()
        if not wait:
            await self.app(scope, receive, send)
            return
        self.door.refused()
        if kind == "http":
            await rate_limited_response(wait, problem=path != self.door.graphql_path)(scope, receive, send)
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
