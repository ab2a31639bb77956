"""Reading a request body without ever holding more than the configured limit.

``Content-Length`` is checked first; then the body is read chunk by chunk and reading stops as
soon as the total passes the limit, so a client cannot make the router buffer a huge (or chunked,
length-less) body before it is refused with 413.
"""

from __future__ import annotations

from starlette.requests import Request

from router.server.errors import RequestError


def _too_large(limit: int) -> RequestError:
    return RequestError(413, f"Request body too large: the limit is {limit} bytes.", "PAYLOAD_TOO_LARGE", limit=limit)


async def read_limited_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise RequestError(400, "Invalid Content-Length header.", "BAD_REQUEST") from None
        if length > limit:
            raise _too_large(limit)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)
