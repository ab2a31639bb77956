"""Subgraphs on real sockets that answer byte for byte as a test needs (keep-alive, resets, odd
framing): for the router's subgraph clients, below anything an HTTP server library would smooth over."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable

ANSWER = b'{"data":{"x":1}}'


def ok(answer: bytes = ANSWER, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n%s\r\n%s" % (
        len(answer),
        extra,
        answer,
    )


# (connection socket, index of the request on its connection from 0, request head, body) -> keep the
# connection open for another request?
Handler = Callable[[socket.socket, int, bytes, bytes], bool]


def answer_ok(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
    connection.sendall(ok())
    return True


def answer_after(seconds: float) -> Handler:
    """A handler that answers ``ok()`` after ``seconds`` (a slow subgraph), keeping the connection."""

    def slow(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        time.sleep(seconds)
        return answer_ok(connection, index, head, body)

    return slow


def reset(connection: socket.socket) -> None:
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def reset_unanswered(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
    """A handler that resets the connection without answering (a crash after the request was sent)."""
    reset(connection)
    return False


class Subgraph:
    """A subgraph on a real socket: reads HTTP/1.1 requests (Content-Length bodies) and lets ``handler``
    write the answer; counts connections and requests, and the most connections open at once."""

    def __init__(self, handler: Handler = answer_ok) -> None:
        self.handler = handler
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.requests: list[tuple[bytes, bytes]] = []
        self.closed_by_client = 0
        self._lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/graphql"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self.open += 1
                self.most_open = max(self.most_open, self.open)
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        try:
            with connection:
                data = b""
                index = 0
                while True:
                    while b"\r\n\r\n" not in data:
                        chunk = connection.recv(65536)
                        if not chunk:
                            with self._lock:
                                self.closed_by_client += 1
                            return
                        data += chunk
                    head, _, data = data.partition(b"\r\n\r\n")
                    lengths = [h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")]
                    length = int(lengths[0]) if lengths else 0  # no body: a GET
                    while len(data) < length:
                        data += connection.recv(65536)
                    body, data = data[:length], data[length:]
                    with self._lock:
                        self.requests.append((head, body))
                    if not self.handler(connection, index, head, body):
                        return
                    index += 1
        except OSError:
            return
        finally:
            with self._lock:
                self.open -= 1

    def close(self) -> None:
        self.sock.close()
