"""Starlette's CORS middleware, with a cheap path for requests that carry no ``Origin``.

Most of the router's traffic is not cross-origin (services, the REST shims' callers, CLIs): such a
request only gets ``Vary: Origin`` added to its response. Starlette builds a ``Headers`` view of
the request and a ``MutableHeaders`` of the response for that; here the request's header list is
scanned once and the header appended. A response that already has a ``Vary`` header, and every
request with an ``Origin``, go through Starlette's own code, so the answers are the same.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Message, Receive, Scope, Send

_VARY = b"vary"
_VARY_ORIGIN = (_VARY, b"Origin")


def _with_vary_origin(send: Send) -> Send:
    async def sender(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers") or []
            if any(name == _VARY for name, _ in headers):
                vary = MutableHeaders(scope=message)
                vary["Vary"] = ", ".join([*vary.getlist("Vary"), "Origin"])
            else:
                message["headers"] = [*headers, _VARY_ORIGIN]
        await send(message)

    return sender


class RouterCORSMiddleware(CORSMiddleware):
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:  # type: ignore[override]
        # Not ``async``: returns the inner app's coroutine, so this layer adds no frame to the request's chain.
        if scope["type"] == "http" and not any(name == b"origin" for name, _ in scope["headers"]):
            return self.app(scope, receive, _with_vary_origin(send))
        return super().__call__(scope, receive, send)
