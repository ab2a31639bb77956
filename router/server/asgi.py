"""Plain-ASGI helpers for the router's hot path: request headers, a capped body read, a JSON answer.

``/graphql`` is served without Starlette's ``Request``/``Response`` objects (see
:mod:`router.server.endpoint`): each lookup in Starlette's ``Headers`` scans and decodes the whole
header list, and a ``Response`` builds its headers through several layers. These do the same
with one pass over the headers and two ``send`` calls, with the same results.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from router.server.errors import RequestError

_JSON = b"application/json"


def request_headers(scope: Scope) -> dict[str, str]:
    """The request's headers by name; the first of repeated ones wins, as Starlette's ``Headers.get``.

    Names are taken as the server gives them (ASGI servers lower-case them), as Starlette does.
    """
    headers: dict[str, str] = {}
    for name, value in scope["headers"]:
        key = name.decode("latin-1")
        if key not in headers:
            headers[key] = value.decode("latin-1")
    return headers


def too_large(limit: int) -> RequestError:
    return RequestError(413, f"Request body too large: the limit is {limit} bytes.", "PAYLOAD_TOO_LARGE", limit=limit)


def check_declared_length(declared: str | None, limit: int) -> None:
    """Refuse a body whose ``Content-Length`` is invalid (400) or over ``limit`` (413) before reading it."""
    if declared is None:
        return
    try:
        length = int(declared)
    except ValueError:
        raise RequestError(400, "Invalid Content-Length header.", "BAD_REQUEST") from None
    if length > limit:
        raise too_large(limit)


async def read_body(receive: Receive, declared_length: str | None, limit: int) -> bytes:
    """The request body, never holding more than ``limit`` bytes (chunked bodies too).

    A client that disconnects mid-body raises Starlette's ``ClientDisconnect``, as ``Request.stream`` does.
    """
    check_declared_length(declared_length, limit)
    chunks: list[bytes] = []
    total = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            if chunk:
                total += len(chunk)
                if total > limit:
                    raise too_large(limit)
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        elif kind == "http.disconnect":
            raise ClientDisconnect()
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def send_json(send: Send, status: int, body: Any) -> None:
    """Answer with ``body`` as JSON (orjson): the same status line and headers as a Starlette ``JSONResponse``."""
    payload = orjson.dumps(body)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(payload)).encode()), (b"content-type", _JSON)],
        }
    )
    await send({"type": "http.response.body", "body": payload})
