"""Subscriptions over HTTP: Server-Sent Events and multipart, chosen by the client's ``Accept``.

- ``Accept: text/event-stream``: GraphQL over SSE, "distinct connections" mode: one subscription
  per request, ``event: next`` with each result, ``event: complete`` at the end; a comment line
  (``:``) every heartbeat interval keeps proxies from closing an idle stream.
- ``Accept: multipart/mixed;subscriptionSpec=1.0`` (Apollo's multipart subscription protocol):
  ``multipart/mixed;boundary="graphql";subscriptionSpec="1.0"``, each part a JSON
  ``{"payload": <result>}``, ``{}`` as heartbeat, ``--graphql--`` at the end.
- ``Accept: multipart/mixed`` without ``subscriptionSpec`` (GraphiQL's fetcher, meros and other
  incremental-delivery clients): ``multipart/mixed;boundary="-"``, each part a bare result with
  ``"hasNext": true``, ``{"hasNext": true}`` as heartbeat, ``{"hasNext": false}`` at the end. GraphiQL
  takes this path when a subscription is run before its editor has parsed the text (it then thinks it
  is a query); a client that cannot read ``{"payload": …}`` parts must not be sent them.

A query or mutation with nothing to stream gets one event then the end over SSE, and an ordinary
JSON response when the client asked for multipart (Apollo Client asks for it beside JSON). Anything
refused before the first event (token, CSRF, limits, caps, validation) is an ordinary JSON response
with its status code. ``@defer`` (when on) is :mod:`.incremental`. The wrapped endpoint serves every
other request.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse, print_ast
from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router.execution.defer import has_defer, strip_defer
from router.server.asgi import read_body, request_headers, send_json
from router.server.auth import RouterAuthenticator
from router.server.csrf import CsrfPolicy
from router.server.endpoint import is_json
from router.server.errors import RequestError
from router.server.graphql_request import GraphQLRequest, parse_get, parse_post
from router.server.subscriptions.incremental import deferred_payloads, spec_of
from router.server.subscriptions.manager import Stream, SubscriptionRefused, Subscriptions

SubgraphHeaders = Callable[[Scope, Mapping[str, str]], Mapping[str, str]]
SSE = "text/event-stream"
MULTIPART = 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'


def _media_ranges(accept: str | None) -> Iterator[tuple[str, list[str]]]:
    """Each media range of an ``Accept`` header, lowercased, with the names of its parameters."""
    for item in (accept or "").split(","):
        media, *params = item.split(";")
        yield media.strip().lower(), [param.split("=")[0].strip().lower() for param in params]


def streaming_kind(accept: str | None) -> str | None:
    """``"sse"``, ``"multipart"`` or ``None`` (an ordinary JSON response) from an ``Accept`` header."""
    for media, _ in _media_ranges(accept):
        if media == SSE:
            return "sse"
        if media == "multipart/mixed":
            return "multipart"
    return None


def is_subscription(request: GraphQLRequest) -> bool:
    if not request.query:
        return False
    try:
        document = parse(request.query)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for operation in operations:
        named = operation.name.value if operation.name else None
        if request.operation_name is None or named == request.operation_name:
            return operation.operation == OperationType.SUBSCRIPTION
    return False


def asks_subscription_spec(accept: str | None) -> bool:
    """Whether a ``multipart/mixed`` in ``Accept`` carries ``subscriptionSpec`` (Apollo's subscription framing)."""
    return any(media == "multipart/mixed" and "subscriptionspec" in params for media, params in _media_ranges(accept))


class _Framing:
    """How a stream's results are written: SSE events, or one of the two multipart framings.

    ``incremental=None``: Apollo's subscription framing (boundary ``graphql``, parts ``{"payload": …}``,
    ``{}`` as heartbeat). Otherwise incremental delivery (boundary ``-``, bare parts that carry their own
    ``hasNext``, ``{"hasNext": true}`` as heartbeat), and ``incremental`` is the Content-Type parameter
    naming its format (``deferSpec="20220824"``, ``incrementalSpec="v0.2"``, or ``""`` for none).
    """

    def __init__(self, kind: str, *, incremental: str | None = None) -> None:
        self.kind = kind
        self.wrap = incremental is None
        self.boundary = b"graphql" if incremental is None else b"-"
        if kind == "sse":
            self.content_type = SSE
        elif incremental is None:
            self.content_type = MULTIPART
        else:
            self.content_type = 'multipart/mixed;boundary="-"' + (f";{incremental}" if incremental else "")

    def start(self) -> bytes:
        return b"" if self.kind == "sse" else b"\r\n--" + self.boundary

    def event(self, response: Mapping[str, Any]) -> bytes:
        if self.kind == "sse":
            return b"event: next\ndata: " + orjson.dumps(response) + b"\n\n"
        body = orjson.dumps({"payload": response} if self.wrap else response)
        return b"\r\ncontent-type: application/json\r\n\r\n" + body + b"\r\n--" + self.boundary

    def heartbeat(self) -> bytes:
        if self.kind == "sse":
            return b":\n\n"
        beat = b"{}" if self.wrap else b'{"hasNext":true}'
        return b"\r\ncontent-type: application/json\r\n\r\n" + beat + b"\r\n--" + self.boundary

    def end(self) -> bytes:
        return b"event: complete\ndata:\n\n" if self.kind == "sse" else b"--\r\n"


class StreamingEndpoint:
    """Takes the GraphQL path's requests that ask for a stream; hands the others to ``inner``."""

    def __init__(
        self,
        inner: ASGIApp,
        subscriptions: Subscriptions,
        csrf: CsrfPolicy,
        authenticator: RouterAuthenticator | None,
        subgraph_headers: SubgraphHeaders,
        max_body: int,
        *,
        defer_support: bool = False,
    ) -> None:
        self.inner = inner
        self.subscriptions = subscriptions
        self.csrf = csrf
        self.authenticator = authenticator
        self.subgraph_headers = subgraph_headers
        self.max_body = max_body
        self.defer_support = defer_support

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        headers = request_headers(scope)
        kind = streaming_kind(headers.get("accept"))
        if kind is None:
            if self.defer_support:
                return self._plain(scope, receive, send, headers)
            return self.inner(scope, receive, send)
        return self._stream(scope, receive, send, headers, _Framing(kind))

    async def _plain(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> None:
        """With @defer on: a request without a streaming Accept gets one ordinary response (@defer ignored)."""
        if scope["method"] != "POST":
            if b"defer" not in scope.get("query_string", b""):
                await self.inner(scope, receive, send)
                return
            raw = b""
        else:
            try:
                raw = await read_body(receive, headers.get("content-length"), self.max_body)
            except RequestError as error:
                await send_json(send, error.status, error.body())
                return
            if b"@defer" not in raw:
                await self.inner(scope, _replay(raw), send)
                return
        try:
            if not self.csrf.allows(headers):
                raise RequestError(400, self.csrf.message, "CSRF_ERROR")
            principal = await self.authenticator.authenticate(headers) if self.authenticator is not None else None
            if scope["method"] == "POST":
                if not is_json(headers.get("content-type")):
                    raise RequestError(
                        415, "The 'content-type' header must be application/json.", "UNSUPPORTED_MEDIA_TYPE"
                    )
                parsed = parse_post(raw, _NO_BATCH)
            else:
                parsed = parse_get(QueryParams(scope["query_string"]))
            if isinstance(parsed, list):
                raise RequestError(400, "@defer is not supported in batches.", "BAD_REQUEST")
            if parsed.query:
                with contextlib.suppress(GraphQLError):
                    stripped = strip_defer(parse(parsed.query), parsed.operation_name)
                    parsed = dataclasses.replace(parsed, query=print_ast(stripped))
            forwarded = dict(self.subgraph_headers(scope, headers))
            outcome = await self.subscriptions.pipeline.run(
                parsed, method=scope["method"], principal=principal, subgraph_headers=forwarded
            )
            await send_json(send, outcome.status, outcome.body)
        except RequestError as error:
            await send_json(send, error.status, error.body())

    async def _stream(
        self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str], framing: _Framing
    ) -> None:
        try:
            if not self.csrf.allows(headers):
                raise RequestError(400, self.csrf.message, "CSRF_ERROR")
            principal = await self.authenticator.authenticate(headers) if self.authenticator is not None else None
            if scope["method"] == "POST":
                if not is_json(headers.get("content-type")):
                    raise RequestError(
                        415, "The 'content-type' header must be application/json.", "UNSUPPORTED_MEDIA_TYPE"
                    )
                parsed = parse_post(await read_body(receive, headers.get("content-length"), self.max_body), _NO_BATCH)
            else:
                parsed = parse_get(QueryParams(scope["query_string"]))
            if isinstance(parsed, list):
                raise RequestError(400, "A streaming response carries one operation, not a batch.", "BAD_REQUEST")
            forwarded = dict(self.subgraph_headers(scope, headers))
            stream: Stream | None = None
            if is_subscription(parsed):
                stream = await self.subscriptions.open(parsed, principal, forwarded)
                events: AsyncIterator[dict[str, Any]] = aiter(stream)
                if framing.kind == "multipart" and not asks_subscription_spec(headers.get("accept")):
                    framing = _Framing("multipart", incremental="")
                    events = _with_has_next(events)
            elif self.defer_support and parsed.query and "@defer" in parsed.query and _defers(parsed.query):
                spec = spec_of(headers.get("accept", ""))
                refused, payloads = await deferred_payloads(
                    self.subscriptions.pipeline, parsed, method=scope["method"], principal=principal,
                    headers=forwarded, spec=spec,
                )  # fmt: skip
                if refused is not None or payloads is None:
                    assert refused is not None
                    await send_json(send, refused.status, refused.body)
                    return
                events = payloads
                framing = _Framing(
                    framing.kind, incremental='deferSpec="20220824"' if spec == "defer" else 'incrementalSpec="v0.2"'
                )
            else:
                if scope["method"] == "GET" and not parsed.query and not parsed.extensions:
                    raise RequestError(400, "GraphQL operations must contain a non-empty `query`.", "BAD_REQUEST")
                outcome = await self.subscriptions.pipeline.run(
                    parsed, method=scope["method"], principal=principal, subgraph_headers=forwarded
                )
                # A multipart client (Apollo Client asks for multipart/mixed;deferSpec=… beside JSON) gets
                # an ordinary JSON response for an operation with nothing to stream; SSE gets one event.
                if outcome.status >= 400 or framing.kind == "multipart":
                    await send_json(send, outcome.status, outcome.body)
                    return
                events = _one(outcome.body)
        except RequestError as error:
            await send_json(send, error.status, error.body())
            return
        except SubscriptionRefused as refused:
            await send_json(send, refused.status, {"errors": refused.errors})
            return
        try:
            await self._send_stream(receive, send, framing, events)
        finally:
            if stream is not None:
                await stream.close()

    async def _send_stream(
        self, receive: Receive, send: Send, framing: _Framing, events: AsyncIterator[dict[str, Any]]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", framing.content_type.encode()),
                    (b"cache-control", b"no-cache"),
                    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
                ],
            }
        )
        disconnected = asyncio.create_task(_disconnect(receive))
        interval = self.subscriptions.config.heartbeat_interval
        try:
            await send({"type": "http.response.body", "body": framing.start(), "more_body": True})
            pending: asyncio.Task[dict[str, Any]] | None = None
            while True:
                if pending is None:
                    pending = asyncio.ensure_future(anext(events))
                done, _ = await asyncio.wait({pending, disconnected}, timeout=interval, return_when="FIRST_COMPLETED")
                if disconnected in done:
                    pending.cancel()
                    return
                if pending not in done:
                    await send({"type": "http.response.body", "body": framing.heartbeat(), "more_body": True})
                    continue
                try:
                    response = pending.result()
                except StopAsyncIteration:
                    break
                pending = None
                await send({"type": "http.response.body", "body": framing.event(response), "more_body": True})
            await send({"type": "http.response.body", "body": framing.end(), "more_body": False})
        except OSError:
            pass
        finally:
            disconnected.cancel()


class _NoBatch:
    enabled = False
    maximum_size = 1


_NO_BATCH: Any = _NoBatch()


def _defers(query: str) -> bool:
    try:
        return has_defer(parse(query))
    except GraphQLError:
        return False


def _replay(body: bytes) -> Receive:
    """A ``receive`` that hands the inner app the body this one already read."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _one(body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    yield body


async def _with_has_next(events: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    """A subscription's results as incremental-delivery payloads: ``hasNext`` on each, then the end."""
    async for result in events:
        yield {**result, "hasNext": True}
    yield {"hasNext": False}


async def _disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
