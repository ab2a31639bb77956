"""Refuse request targets longer than ``limits.http_max_uri_bytes`` with a problem document (414).

uvicorn (h11) refuses a request line it cannot buffer on its own (see
:mod:`servicekit.http_protocol`), but how much it buffers depends on how the bytes arrive: a long
query string sometimes reaches the app whole. This check makes the answer the same either way.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from router.rest.problems import problem_response


class UriLengthLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope.get("raw_path") or b"") + len(scope["query_string"]) > self.limit:
            detail = f"the request target is longer than {self.limit} bytes"
            error = {"message": detail, "extensions": {"code": "URI_TOO_LONG", "limit": self.limit}}
            # RFC 9110's name for 414 (Python's table still has RFC 2616's "Request-URI Too Long").
            refusal = problem_response(414, detail, code="URI_TOO_LONG", errors=[error], title="URI Too Long")
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
