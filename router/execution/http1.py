"""The subgraph client for plain ``http://``: HTTP/1.1 POSTs over asyncio, answers parsed by httptools.

Chosen by measurement (issue 17, item 3; ``bench/http_clients.py``): the best library measured,
pyreqwest, costs 35-37 µs of CPU per request (its Rust thread included, plus a wake-up of the event
loop's thread per request), keep-alive POSTs on the event loop parsed by httptools 13-16 µs. It does
only what a subgraph fetch needs, and nothing is parsed by hand: the response (status line, headers,
``Content-Length``, chunked or close-delimited body, keep-alive) is llhttp's, through httptools.

- **A pool per origin** (``host:port``) of at most ``limit`` connections; a request finding none idle
  and the pool full waits for one (first come, first served), within its own deadline.
- **Deadlines**: ``connect_timeout`` for opening a connection (a transport failure: nothing was sent),
  the request's ``timeout`` for all of it (waiting for a connection, connecting, sending, the answer):
  a :class:`TimeoutError`. A connection that timed out is closed, never reused.
- **Keep-alive**: a connection goes back to the pool only after a complete answer that allows it
  (``should_keep_alive``: not ``Connection: close``, not HTTP/1.0 without keep-alive) and with nothing
  unread after it; any error, timeout or cancellation closes it. Idle connections are closed after
  ``idle_seconds`` (1.5 s: below uvicorn's 5 s and the edge's 2 s keep-alive, so the server rarely
  closes one under us), and the most recently used idle one is taken first.
- **A stale connection** (closed by the server while idle, noticed only when a request on it gets no
  answer): the request is sent once more on a new connection only when that cannot do anything twice:
  the connection had already served a request, not one byte of an answer came back, and ``resend``
  (the caller's: the body is a query) allows it. A mutation is never sent twice.
- **Headers** are the caller's, each name and value checked (a token; no CR, LF or NUL) so that no
  header can split the request: a bad one fails the request before anything is sent.

Errors are raised (:class:`TimeoutError`, :class:`OSError` subclasses, :class:`ProtocolError`), and
the :class:`~router.execution.fetcher.Fetcher` maps them to GraphQL errors.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Mapping
from typing import cast
from urllib.parse import urlsplit

import httptools

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
_FRAMING = frozenset({"host", "content-length", "transfer-encoding", "connection", "expect", "upgrade", "te"})
_HEADER_BLOCKS = 256  # encoded header sets kept (those of the client requests in flight)
_CHECKED_NAMES: set[str] = set()  # header names already found valid (a handful: the router's own set)


class ProtocolError(OSError):
    """The server's answer is not valid HTTP/1.1 (or not one we asked for)."""


class ConnectionClosed(ConnectionError):
    """The server closed the connection before a complete answer."""

    def __init__(self, message: str, *, answered: bool) -> None:
        super().__init__(message)
        self.answered = answered  # whether any byte of an answer had arrived
        self.reused = False  # whether the connection had served a request before (set by the client)


def _encode_headers(headers: Mapping[str, str]) -> bytes:
    lines = []
    for name, value in headers.items():
        if name not in _CHECKED_NAMES:
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"invalid header name {name!r}")
            if len(_CHECKED_NAMES) < 1024:
                _CHECKED_NAMES.add(name)
        lines.append(f"{name}: {value}\r\n")
    text = "".join(lines)
    # Each line has exactly one CR and one LF of its own: any more came from a value.
    if text.count("\n") != len(lines) or text.count("\r") != len(lines) or "\x00" in text:
        bad = next(name for name, value in headers.items() if _BAD_VALUE.search(value))
        raise ValueError(f"invalid value for header {bad!r}")
    return text.encode("latin-1")  # UnicodeEncodeError (a ValueError) for characters beyond it


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, its answer parsed as it arrives."""

    __slots__ = (
        "_body",
        "_framed",
        "_parser",
        "_waiter",
        "answered",
        "closed",
        "complete",
        "idle_since",
        "keep_alive",
        "served",
        "status",
        "transport",
    )

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._body: list[bytes] = []
        self._framed = False  # Content-Length or chunked (else the body ends when the connection does)
        self.status = 0
        self.answered = False  # a byte of the current answer has arrived
        self.complete = False
        self.keep_alive = False
        self.closed = False
        self.served = 0  # complete answers received on this connection
        self.idle_since = 0.0

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's are not asyncio.Transport instances

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self.complete:  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self.answered = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(ProtocolError("the subgraph switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(ProtocolError(f"invalid HTTP response: {exc}"))

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if exc is None and self.status and not self._framed:  # a body delimited by the close: complete
            self._finish()
            return
        message = f"connection closed before the answer was complete ({exc or 'end of stream'})"
        self._waiter.set_exception(ConnectionClosed(message, answered=self.answered))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self._framed = True

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        if self.status in (204, 304):
            self._framed = True

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200:  # an interim answer (100 Continue, 103 Early Hints): the real one follows
            self.status, self._framed, self._body = 0, False, []
            return
        self._finish()

    def _finish(self) -> None:
        self.complete = True
        self.keep_alive = self._parser.should_keep_alive() and not self.closed
        self.served += 1
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)
        self.close()

    # used by the pool
    def send(self, data: list[bytes], waiter: asyncio.Future[None]) -> None:
        assert self.transport is not None
        self._waiter = waiter
        self._body = []
        self._framed = False
        self.status = 0
        self.answered = self.complete = False
        if self.closed:  # closed since it was taken (no connection_lost will come to answer the waiter)
            waiter.set_exception(ConnectionClosed("connection closed before the request was sent", answered=False))
            return
        self.transport.writelines(data)

    def take_body(self) -> bytes:
        body = b"".join(self._body) if len(self._body) != 1 else self._body[0]
        self._body = []
        self._waiter = None
        return body

    def timed_out(self) -> None:
        self._fail(TimeoutError())

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class OriginPool:
    """Keep-alive connections to one ``host:port``, at most ``limit`` of them open (or opening)."""

    def __init__(self, host: str, port: int, limit: int, connect_timeout: float, idle_seconds: float) -> None:
        if limit < 1:
            raise ValueError("the connection limit must be at least 1")
        self.host, self.port, self.limit = host, port, limit
        self.connect_timeout, self.idle_seconds = connect_timeout, idle_seconds
        self.open = 0  # connections open or being opened (slots taken)
        self.opened = 0  # connections ever opened (tests, debugging)
        self._idle: deque[_Connection] = deque()  # oldest first
        self._waiters: deque[asyncio.Future[_Connection | None]] = deque()
        self._sweep: asyncio.TimerHandle | None = None
        self._closed = False

    def take_idle(self, loop: asyncio.AbstractEventLoop) -> _Connection | None:
        """The most recently used idle connection still open and fresh enough, if any (no waiting)."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            if not connection.closed and loop.time() - connection.idle_since < self.idle_seconds:
                return connection
            self._discard(connection)
        return None

    async def acquire(self, loop: asyncio.AbstractEventLoop, *, fresh: bool = False) -> _Connection:
        """An idle connection (``fresh``: never), or a new one if a slot is free, or the first one
        released to the waiters. The caller bounds the wait (its deadline)."""
        if self._closed:
            raise ConnectionError("the client is closed")
        if not fresh:
            connection = self.take_idle(loop)
            if connection is not None:
                return connection
        if fresh and self._idle and self.open >= self.limit:
            self._discard(self._idle.popleft())  # make room for the new one: the oldest idle goes
        if self.open < self.limit:
            self.open += 1
            return await self._connect(loop)
        waiter: asyncio.Future[_Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            handed = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():  # handed over, but we were cancelled meanwhile
                given = waiter.result()
                if given is None:
                    self._free_slot()
                else:
                    self.release(given, loop)
            else:
                waiter.cancel()
            raise
        if handed is not None and not (fresh or handed.closed):
            return handed
        if handed is not None:  # a new connection was asked for, or it closed meanwhile: its slot is ours
            handed.close()
        return await self._connect(loop)  # a slot was handed over (counted in ``open`` already)

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except TimeoutError:
            self._free_slot()
            raise ConnectionError(f"connecting to {self.host}:{self.port} timed out") from None
        except BaseException:
            self._free_slot()
            raise
        self.opened += 1
        return connection

    def release(self, connection: _Connection, loop: asyncio.AbstractEventLoop) -> None:
        """Back to the pool after a complete answer that allows keep-alive; else closed."""
        if self._closed or connection.closed or not connection.keep_alive:
            self._discard(connection)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        connection.idle_since = loop.time()
        self._idle.append(connection)
        if self._sweep is None:
            self._sweep = loop.call_at(connection.idle_since + self.idle_seconds, self._expire, loop)

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._free_slot()

    def _free_slot(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to it: ``open`` stays counted
                return
        self.open -= 1

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._sweep = None
        idle = self._idle
        limit = loop.time() - self.idle_seconds
        while idle and (idle[0].idle_since <= limit or idle[0].closed):
            self._discard(idle.popleft())
        if idle:
            self._sweep = loop.call_at(idle[0].idle_since + self.idle_seconds, self._expire, loop)

    def close(self) -> None:
        self._closed = True
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        while self._idle:
            self._discard(self._idle.popleft())
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_exception(ConnectionError("the client is closed"))
        self._waiters.clear()


class Http1Client:
    """POSTs to ``http://`` URLs over keep-alive connection pools, one per origin."""

    def __init__(
        self,
        *,
        limit: int = 100,
        connect_timeout: float = 5.0,
        idle_seconds: float = 1.5,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._limit = limit
        self._connect_timeout = connect_timeout
        self._idle_seconds = idle_seconds
        self._defaults = {name.lower(): value for name, value in (default_headers or {}).items()}
        self._pools: dict[str, OriginPool] = {}
        self._targets: dict[str, tuple[OriginPool, bytes]] = {}  # url -> pool, request line and Host
        self._blocks: dict[tuple[tuple[str, str], ...], bytes] = {}  # headers -> their encoded lines
        self._closed = False

    def _header_block(self, headers: Mapping[str, str]) -> bytes:
        """The header lines for ``headers`` (with the defaults, without the framing ones), encoded once
        per distinct set: the fetches of one client request carry the same headers, a dozen times."""
        key = tuple(headers.items())
        block = self._blocks.get(key)
        if block is None:
            merged = dict(self._defaults)
            for name, value in headers.items():
                name = name.lower()
                if name not in _FRAMING:  # the client's own: a caller's copy could split the message
                    merged[name] = value
            block = _encode_headers(merged)  # ValueError for a header that cannot be sent: never kept
            if len(self._blocks) >= _HEADER_BLOCKS:
                self._blocks.clear()
            self._blocks[key] = block
        return block

    def pool(self, url: str) -> OriginPool:
        return self._target(url)[0]

    def _target(self, url: str) -> tuple[OriginPool, bytes]:
        known = self._targets.get(url)
        if known is not None:
            return known
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"not an http:// URL: {url!r}")
        if parts.username or parts.password:
            raise ValueError("credentials in a subgraph URL are not supported")
        port = parts.port or 80
        origin = f"{parts.hostname}:{port}"
        pool = self._pools.get(origin)
        if pool is None:
            pool = OriginPool(parts.hostname, port, self._limit, self._connect_timeout, self._idle_seconds)
            self._pools[origin] = pool
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rpartition("@")[2]
        if any(c in target + host for c in " \r\n\x00"):
            raise ValueError(f"invalid subgraph URL {url!r}")
        line = f"POST {target} HTTP/1.1\r\nhost: {host}\r\n".encode("ascii")
        self._targets[url] = known = (pool, line)
        return known

    async def post(
        self, url: str, body: bytes, headers: Mapping[str, str], timeout: float, *, resend: bool = False
    ) -> tuple[int, bytes]:
        """POST ``body``; (status, body) of the answer. ``resend``: the request may be sent once more on a
        new connection if a reused one turns out closed before any answer (see the module's docstring)."""
        if self._closed:
            raise ConnectionError("the client is closed")
        pool, line = self._target(url)
        request = [line, self._header_block(headers), b"content-length: %d\r\n\r\n" % len(body), body]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        try:
            return await self._exchange(pool, request, loop, deadline, fresh=False)
        except ConnectionClosed as exc:
            if not (resend and exc.reused and not exc.answered):
                raise
        return await self._exchange(pool, request, loop, deadline, fresh=True)

    async def _exchange(
        self,
        pool: OriginPool,
        request: list[bytes],
        loop: asyncio.AbstractEventLoop,
        deadline: float,
        *,
        fresh: bool,
    ) -> tuple[int, bytes]:
        connection = None if fresh or pool._closed else pool.take_idle(loop)
        if connection is None:
            async with asyncio.timeout_at(deadline):
                connection = await pool.acquire(loop, fresh=fresh)
        reused = connection.served > 0
        waiter: asyncio.Future[None] = loop.create_future()
        timer = loop.call_at(deadline, connection.timed_out)
        released = False
        try:
            connection.send(request, waiter)
            try:
                await waiter
            except ConnectionClosed as exc:
                exc.reused = reused
                raise
            status = connection.status
            body = connection.take_body()
            pool.release(connection, loop)
            released = True
            return status, body
        finally:
            timer.cancel()
            if not released:
                pool._discard(connection)

    async def aclose(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()
        self._targets.clear()
        await asyncio.sleep(0)  # let the transports' connection_lost run
