"""``traffic_shaping.router.concurrency_limit`` at the door: past the limit of client requests in progress,
a request is answered 503 at once (load shedding, as Apollo Router does) instead of waiting.

What the router sheds answers in microseconds, so a client or a load balancer can go elsewhere, where a
queue would hold every request of a spike until its timeout. The adaptive concurrency gate
(:mod:`router.server.admission`) still decides how many of the admitted operations execute at once.
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router.rest.problems import problem_response
from router.server.door import Door
from router.server.in_flight import InFlight

CODE = "REQUEST_CONCURRENCY_LIMITED"


def concurrency_limited_message(limit: int) -> str:
    requests = "1 request" if limit == 1 else f"{limit} requests"
    return f"Your request has been concurrency limited: the router is processing its limit of {requests} at once."


def concurrency_limited_response(limit: int, *, problem: bool) -> Response:
    """The 503 answer: one GraphQL error (code ``REQUEST_CONCURRENCY_LIMITED``), in a problem document
    off /graphql (the REST layer's format)."""
    message = concurrency_limited_message(limit)
    error = {"message": message, "extensions": {"code": CODE, "limit": limit}}
    if problem:
        return problem_response(503, message, code=CODE, errors=[error])
    return JSONResponse({"errors": [error]}, 503)


class RouterConcurrencyLimit:
    """ASGI middleware: an HTTP request counts in ``in_flight`` from its arrival until its response starts;
    past the limit it is answered 503 before anything else runs (no authentication, parsing or planning).

    A streamed response (a subscription over SSE or multipart, a ``@defer`` response) leaves the count
    when its first part goes out: a subscription lives for hours and would otherwise hold a place while
    idle. WebSockets are not counted (``traffic_shaping.router.global_rate_limit`` counts their openings).
    Which other requests count: :class:`router.server.door.Door`.
    """

    def __init__(self, app: ASGIApp, in_flight: InFlight, door: Door) -> None:
        self.app = app
        self.in_flight = in_flight
        self.door = door

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not self.door.counts(path):
            await self.app(scope, receive, send)
            return
        in_flight = self.in_flight
        if not in_flight.enter():
            self.door.refused()
            await concurrency_limited_response(in_flight.limit, problem=path != self.door.graphql_path)(
                scope, receive, send
            )
            return
        counted = True

        async def send_and_leave(message: Message) -> None:
            nonlocal counted
            if counted and message["type"] == "http.response.start":
                counted = False
                in_flight.leave()
            await send(message)

        try:
            await self.app(scope, receive, send_and_leave)
        finally:
            if counted:  # no response started: an error, or the client went away
                in_flight.leave()
