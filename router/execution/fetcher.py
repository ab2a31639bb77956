"""Pooled keep-alive HTTP to subgraphs.

One client per router, shared by every subgraph (for ``http://`` URLs, a keep-alive pool of at most
``pool_size`` connections per origin); each subgraph has its own timeout. A request body is built by
the executor as bytes (``orjson``), because entity fetches splice pre-serialized representations into
it. Whatever goes wrong (connection refused,
timeout, a non-2xx status, a body that is not a GraphQL response) comes back as a GraphQL response
with an error whose ``extensions.code`` says what happened; nothing is raised to the caller, so one
failing subgraph leaves the rest of the plan running.

Deduplication (Apollo's ``traffic_shaping.*.deduplicate_query``, on by default): a fetch the executor
marks ``shared`` (any fetch of a query operation, never of a mutation) joins an identical request to the
same subgraph already in flight, instead of sending its own. See :meth:`Fetcher._shared`.

The transport, chosen by measurement (``bench/http_clients.py``: POSTs of a 200-byte query answered
with 5 KB of JSON, 20 at a time over keep-alive connections to a local subgraph, uvloop, CPU of the
whole calling process per request): for ``http://`` subgraphs our own HTTP/1.1 client on the event loop,
:mod:`router.execution.http1` (httptools parsing the answers; 13-16 µs as a bare loop), since no library
came within 1.5x of it: pyreqwest (Rust's reqwest and hyper, its own thread) 32-37 µs, aiohttp 77-83 µs,
aiosonic 80 µs, httpcore 1,275 µs, httpx about 2,600 µs. ``https://`` subgraphs keep pyreqwest (TLS is
not ours to write), with the authorities and client certificate of ``tls.subgraph``
(:mod:`router.execution.subgraph_tls`).

A query's fetch that finds its reused keep-alive connection closed by the subgraph before any byte of
an answer is sent once more on a new connection by the ``http://`` client; a mutation never is (the
subgraph may have acted on it). Retries of a query across instances are the HTTP server's
(``router/server/subgraph_retry.py``).

Rate limits (Apollo's ``traffic_shaping.*.global_rate_limit``): a subgraph whose endpoint has a
``rate_limit`` gets a request only when its budget has a token left; otherwise the fetch fails with
``REQUEST_RATE_LIMITED`` without being sent. The check is made where a request is really sent, so
fetches answered by an identical request in flight cost no token.
"""

from __future__ import annotations

import asyncio
import copy
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from typing import Any, Protocol

import orjson
from pyreqwest.client import Client, ClientBuilder
from pyreqwest.exceptions import PyreqwestError

from router.execution.http1 import Http1Client
from router.execution.subgraph_tls import SubgraphTls

GraphQLResponse = dict[str, Any]

# Called after every subgraph fetch with (subgraph, seconds, response): the HTTP server's metrics
# and per-request logs hang off it. Optional: the fetcher does nothing extra without one.
FetchObserver = Callable[[str, float, "GraphQLResponse"], None]
# Called with the subgraph's name when a fetch joins an identical request in flight instead of sending
# one (``deduplicate_query``): the metric of requests deduplication saved.
SharedObserver = Callable[[str], None]
# Called with the subgraph's name when a fetch is not sent because the subgraph's rate limit is reached.
RateLimitObserver = Callable[[str], None]


class RateLimiter(Protocol):
    """A request budget (``router.server.rate_limit.TokenBucket``)."""

    def take(self) -> float:
        """0.0: the request may go (a token was taken); else the seconds until one is there again."""
        ...


_JSON_HEADERS = {"content-type": "application/json", "accept": "application/json"}
_HTTP1_HEADERS = {**_JSON_HEADERS, "user-agent": "marketplace-router"}
_NO_HEADERS: Mapping[str, str] = {}
_QUERY_PREFIX = b'{"query":"'
_QUERY_STARTS = (_QUERY_PREFIX + b"{", _QUERY_PREFIX + b"query")
CONNECT_TIMEOUT_SECONDS = 5.0  # opening a connection to a subgraph (within the request's own timeout)
IDLE_SECONDS = 1.5  # an idle keep-alive connection is closed after this (below uvicorn's 5 s, the edge's 2 s)


def is_query(body: bytes) -> bool:
    """A query (or entity fetch) body as the executor builds it (``{"query":"query ...`` or ``{"query":"{``);
    anything unrecognised counts as not a query, so it is never sent twice."""
    if body.startswith(_QUERY_STARTS):  # the executor's own bodies, in one call
        return True
    if not body.startswith(_QUERY_PREFIX):
        return False
    text = body[len(_QUERY_PREFIX) : len(_QUERY_PREFIX) + 16].lstrip()
    return text.startswith((b"{", b"query"))


@dataclass(frozen=True, slots=True)
class SubgraphEndpoint:
    name: str
    url: str
    timeout_seconds: float = 30.0
    deduplicate: bool = True
    tls: SubgraphTls | None = None  # authorities and client certificate for an https:// URL
    rate_limit: RateLimiter | None = None  # traffic_shaping's global_rate_limit for this subgraph


def _error(service: str, message: str, code: str, **extra: Any) -> GraphQLResponse:
    return {
        "errors": [
            {
                "message": f"HTTP fetch failed from '{service}': {message}",
                "extensions": {"code": code, "service": service, **extra},
            }
        ]
    }


# What one subgraph request produced: (body bytes, status, reason), or a transport error as a response.
_Raw = tuple[memoryview, int, str] | GraphQLResponse
# Headers naming the single client request, left out of the deduplication key.
PER_REQUEST_HEADERS = frozenset({"x-request-id", "traceparent", "tracestate"})


def _rate_limited(service: str, wait: float) -> GraphQLResponse:
    return {
        "errors": [
            {
                "message": f"The request to subgraph '{service}' was not sent: its rate limit is reached.",
                "extensions": {"code": "REQUEST_RATE_LIMITED", "service": service, "retryAfter": round(wait, 3)},
            }
        ]
    }


def _status_error(service: str, status: int, reason: str) -> GraphQLResponse:
    """A non-2xx answer; the reason phrase is looked up only here, on the error path."""
    if not reason:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
    return _error(service, f"{status}: {reason}", "SUBREQUEST_HTTP_ERROR", http={"status": status})


def _decode(service: str, raw: _Raw) -> GraphQLResponse:
    """A fresh response dict from what a request produced (shared bytes are decoded once per caller)."""
    if isinstance(raw, dict):
        return copy.deepcopy(raw)
    payload, status, reason = raw
    try:
        decoded = orjson.loads(payload)
    except orjson.JSONDecodeError:
        decoded = None
    if isinstance(decoded, dict) and ("data" in decoded or "errors" in decoded):
        if status >= 400 and not decoded.get("errors"):
            return _status_error(service, status, reason)
        return decoded
    if status >= 400:
        return _status_error(service, status, reason)
    return _error(service, "the response is not a GraphQL response", "SUBREQUEST_MALFORMED_RESPONSE")


class Fetcher:
    """Sends GraphQL requests to subgraphs over a shared keep-alive connection pool."""

    def __init__(
        self,
        endpoints: Mapping[str, SubgraphEndpoint],
        *,
        pool_size: int = 100,
        keepalive_seconds: float = 60.0,
        on_fetch: FetchObserver | None = None,
        on_shared: SharedObserver | None = None,
        on_rate_limited: RateLimitObserver | None = None,
    ) -> None:
        self._on_fetch = on_fetch
        self._on_shared = on_shared
        self._on_rate_limited = on_rate_limited  # called with the subgraph's name for each fetch not sent
        self._endpoints = dict(endpoints)
        self._pool_size = pool_size
        self._keepalive_seconds = keepalive_seconds
        self._clients: dict[SubgraphTls | None, Client] = {}  # pyreqwest, for https:// subgraphs, per TLS settings
        self._http1: Http1Client | None = None  # ours, for http:// subgraphs
        self._plain = {name for name, e in self._endpoints.items() if e.url.startswith("http://")}
        self._in_flight: dict[tuple[str, bytes, tuple[tuple[str, str], ...]], asyncio.Future[_Raw | None]] = {}
        self._timeouts = {name: timedelta(seconds=e.timeout_seconds) for name, e in self._endpoints.items()}

    @property
    def connected(self) -> bool:
        """Whether the connection pool exists (opened by the first fetch, gone after :meth:`aclose`)."""
        return bool(self._clients) or self._http1 is not None

    def _open_http1(self) -> Http1Client:
        self._http1 = Http1Client(
            limit=self._pool_size,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            idle_seconds=IDLE_SECONDS,
            default_headers=_HTTP1_HEADERS,
        )
        return self._http1

    def _open(self, tls: SubgraphTls | None) -> Client:
        # No cookies (subgraph calls are stateless: a jar would leak state between client requests), no
        # redirects, no compression (no Accept-Encoding: subgraphs sit on the local network, where
        # compressing and decompressing every answer costs both sides more CPU than the bytes saved).
        # One client per distinct TLS settings: trust and client certificate belong to a client.
        builder = ClientBuilder()
        if tls is not None:
            for authority in tls.certificate_authorities:
                builder = builder.add_root_certificate_pem(authority)
            if tls.identity is not None:
                builder = builder.identity_pem(tls.identity)
        client = self._clients[tls] = (
            builder.max_connections(self._pool_size)
            .pool_idle_timeout(timedelta(seconds=self._keepalive_seconds))
            .follow_redirects(False)
            .tcp_nodelay(True)
            .default_headers(_JSON_HEADERS)
            .user_agent("marketplace-router")
            .gzip(False)
            .brotli(False)
            .zstd(False)
            .deflate(False)
            .build()
        )
        return client

    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None, *, shared: bool = False
    ) -> GraphQLResponse:
        """POST ``body`` (a serialized GraphQL request) to ``service``; always return a response dict.

        ``shared``: the caller allows an identical request already in flight to answer this one too (a
        query, never a mutation); done when the subgraph's ``deduplicate_query`` is on.
        """
        endpoint = self._endpoints.get(service)
        if endpoint is None:
            return _error(service, "unknown subgraph", "SUBREQUEST_HTTP_ERROR")
        request_headers = headers or _NO_HEADERS  # the JSON headers are the client's defaults
        if shared and endpoint.deduplicate:
            return await self._shared(endpoint, body, request_headers)
        return (await self._send(endpoint, body, request_headers))[1]

    async def _send(
        self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str]
    ) -> tuple[_Raw, GraphQLResponse]:
        """One real request, decoded and reported to ``on_fetch`` (so metrics count requests sent)."""
        limit = endpoint.rate_limit
        if limit is not None:
            wait = limit.take()
            if wait:
                refused = _rate_limited(endpoint.name, wait)
                if self._on_rate_limited is not None:
                    self._on_rate_limited(endpoint.name)
                return refused, copy.deepcopy(refused)
        if self._on_fetch is None:
            raw = await self._request(endpoint, body, headers)
            return raw, _decode(endpoint.name, raw)
        started = time.perf_counter()
        raw = await self._request(endpoint, body, headers)
        response = _decode(endpoint.name, raw)
        self._on_fetch(endpoint.name, time.perf_counter() - started, response)
        return raw, response

    async def _shared(self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str]) -> GraphQLResponse:
        """Join an identical request in flight, or send one that later identical requests can join.

        Identical: the same subgraph, body and headers, except those naming the single client request
        (request id, trace context): the one request sent carries the first caller's. Each caller decodes
        the shared bytes itself, so no two requests ever share a mutable response.
        """
        kept = tuple(sorted(item for item in headers.items() if item[0] not in PER_REQUEST_HEADERS))
        key = (endpoint.name, body, kept)
        pending = self._in_flight.get(key)
        if pending is not None:
            if self._on_shared is not None:
                self._on_shared(endpoint.name)
            # shield: a follower's cancellation must not cancel the leader's request.
            shared = await asyncio.shield(pending)
            if shared is not None:
                return _decode(endpoint.name, shared)
            return (await self._send(endpoint, body, headers))[1]  # the leader was cancelled: fetch alone
        future: asyncio.Future[_Raw | None] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            raw, response = await self._send(endpoint, body, headers)
        except BaseException:
            future.set_result(None)
            raise
        finally:
            del self._in_flight[key]
        future.set_result(raw)
        return response

    async def _request(self, endpoint: SubgraphEndpoint, body: bytes, headers: Mapping[str, str]) -> _Raw:
        service = endpoint.name
        if service in self._plain:
            http1 = self._http1 or self._open_http1()
            try:
                status, answer = await http1.post(
                    endpoint.url, body, headers, endpoint.timeout_seconds, resend=is_query(body)
                )
                return memoryview(answer), status, ""
            except TimeoutError:
                return _error(service, "request timed out", "SUBREQUEST_TIMEOUT")
            except (OSError, ValueError) as exc:  # ValueError: a header or URL that cannot be sent
                return _error(service, _describe_os(exc), "SUBREQUEST_HTTP_ERROR")
        client = self._clients.get(endpoint.tls) or self._open(endpoint.tls)
        try:
            request = client.post(endpoint.url).body_bytes(body).timeout(self._timeouts[service])
            if headers:
                request = request.headers(headers)
            response = await request.build().send()
            payload = await response.bytes()
            return memoryview(payload), response.status, ""
        except TimeoutError:  # pyreqwest's timeouts (connect, read, whole request) are TimeoutErrors
            return _error(service, "request timed out", "SUBREQUEST_TIMEOUT")
        except (PyreqwestError, OSError) as exc:
            return _error(service, _describe(exc), "SUBREQUEST_HTTP_ERROR")

    async def aclose(self) -> None:
        if self._http1 is not None:
            http1, self._http1 = self._http1, None
            await http1.aclose()
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.close()


def _describe(error: Exception) -> str:
    """The error's message and its innermost cause (``connection error: Connection refused (os error 111)``)."""
    message = str(getattr(error, "message", "") or "") or type(error).__name__
    details = getattr(error, "details", None)
    causes = details.get("causes") if isinstance(details, dict) else None
    if causes and isinstance(causes[-1], dict) and causes[-1].get("message"):
        return f"{message}: {causes[-1]['message']}"
    return message


def _describe_os(error: Exception) -> str:
    """As pyreqwest words it (``connection error: Connection refused (os error 111)``), or
    ``invalid request: ...`` for a header or URL that cannot be sent."""
    if isinstance(error, ValueError):
        return f"invalid request: {error}"
    number = getattr(error, "errno", None)
    if isinstance(number, int):
        return f"connection error: {os.strerror(number)} (os error {number})"
    return f"connection error: {error or type(error).__name__}"
