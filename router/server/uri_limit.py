"""Refuse request targets longer than ``limits.http_max_uri_bytes`` with a problem document (414).

uvicorn (h11) refuses a request line it cannot buffer on its own (see
:mod:`servicekit.http_protocol`), but how much it buffers depends on how the bytes arrive: a long
query string sometimes reaches the app whole. This check makes the answer the same either way.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send


class UriLengthLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and len(scope.get("raw_path") or b"") + len(scope["query_string"]) > self.limit:
            detail = f"the request target is longer than {self.limit} bytes"
            body = orjson.dumps(
                {
                    "type": "urn:marketplace:problem:uri-too-long",
                    "title": "URI Too Long",
                    "status": 414,
                    "detail": detail,
                    "code": "URI_TOO_LONG",
                    "errors": [{"message": detail, "extensions": {"code": "URI_TOO_LONG", "limit": self.limit}}],
                }
            )
            headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 414, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
