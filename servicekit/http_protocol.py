"""uvicorn's HTTP/1.1 protocols, with their own 400 answers as problem documents.

A request that h11 cannot parse (a request line or header block larger than its buffer, bad
framing such as ``Content-Length: abc``, a malformed request line) never reaches the app: uvicorn
answers ``400 Invalid HTTP request received.`` in ``text/plain`` and closes the connection. This
subclass keeps that behaviour and only changes the body to an RFC 9457 problem document, the format
every other refusal of ours uses. What uvicorn still answers on its own is documented in
docs/router.md ("HTTP-level refusals").

The router serves with :class:`ProblemHttpToolsProtocol` instead: uvicorn's protocol over httptools
(llhttp, in C) parses a request and writes a response in well under half the CPU of h11's pure Python
(``bench/http_server.py``, a 55 KB answer at 50 connections: 136 µs per request with h11, 61 µs with
httptools).
llhttp itself bounds neither the request target nor the header block, so the subclass does, with the
same problem document: a request target over :data:`MAX_TARGET_BYTES` (as soon as that much has
arrived; httptools' URL parser takes no longer one), and, like h11, a header block over
:data:`MAX_HEADER_BYTES` (h11's buffer), whether still incomplete or complete in one read. A shorter
target always reaches the app whole, so a ``limits.http_max_uri_bytes`` below it always answers 414
(with h11 it was 400 or 414, depending on how the bytes arrived).
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# What an incomplete header block may buffer: h11's limit, 16 KiB.
MAX_HEADER_BYTES = 16 * 1024
# The longest request target (path and query string): httptools' URL parser (which uvicorn calls
# once the headers are complete) refuses a longer one; the router's ``limits.http_max_uri_bytes``
# answers 414 when set below it.
MAX_TARGET_BYTES = 65_535

PROBLEM = json.dumps(
    {
        "type": "urn:marketplace:problem:bad-request",
        "title": "Bad Request",
        "status": 400,
        "detail": "malformed HTTP request: the request line or headers are invalid or too large, "
        "or the body's framing is wrong",
        "code": "BAD_REQUEST",
        "errors": [{"message": "malformed HTTP request", "extensions": {"code": "BAD_REQUEST"}}],
    }
).encode()


class ProblemH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(PROBLEM)).encode()),
            (b"connection", b"close"),
        ]
        self.transport.write(self.conn.send(h11.Response(status_code=400, headers=headers, reason=b"Bad Request")))
        self.transport.write(self.conn.send(h11.Data(data=PROBLEM)))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        self.transport.close()


class HeadTooLarge(Exception):
    """Raised from a parser callback: httptools turns it into the parse error uvicorn answers with 400."""


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    max_header_bytes = MAX_HEADER_BYTES
    max_target_bytes = MAX_TARGET_BYTES
    _head_open = False  # a request's head has begun and its headers are not complete yet
    _head_bytes = 0  # bytes received while the head was open

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_open = True
        self._head_bytes = 0

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > self.max_target_bytes:
            raise HeadTooLarge(f"request target over {self.max_target_bytes} bytes")
        super().on_url(url)

    def on_headers_complete(self) -> None:
        self._head_open = False
        # A whole head can arrive in one read, past the per-read check below: bound what it holds.
        if sum(len(name) + len(value) + 4 for name, value in self.headers) > self.max_header_bytes:
            raise HeadTooLarge(f"header block over {self.max_header_bytes} bytes")
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Like h11, bound what an incomplete head may buffer (llhttp keeps a partial header in memory).
        if self._head_open and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes - len(self.url) > self.max_header_bytes:
                self.logger.warning("Invalid HTTP request received: header block too large.")
                self.send_400_response("header block too large")

    def send_400_response(self, msg: str) -> None:
        head = [b"HTTP/1.1 400 Bad Request\r\n"]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/problem+json\r\n",
            b"content-length: " + str(len(PROBLEM)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            PROBLEM,
        ]
        self.transport.write(b"".join(head))
        self.transport.close()
