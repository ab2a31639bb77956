"""uvicorn's HTTP/1.1 protocol, with its own 400 answers as problem documents.

A request that h11 cannot parse (a request line or header block larger than its buffer, bad
framing such as ``Content-Length: abc``, a malformed request line) never reaches the app: uvicorn
answers ``400 Invalid HTTP request received.`` in ``text/plain`` and closes the connection. This
subclass keeps that behaviour and only changes the body to an RFC 9457 problem document, the format
every other refusal of ours uses. What uvicorn still answers on its own is documented in
docs/architecture.md ("HTTP-level refusals").
"""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

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
