"""Router to subgraph subscriptions over WebSocket (``graphql-transport-ws``), one socket per subscription.

The router opens the socket with the headers its fetches carry (the client's ``Authorization``, the
router's service token, the request id), sends the same ``Authorization`` again in
``connection_init`` (a subgraph may read either), subscribes, and yields each ``next`` payload. A
subgraph ``error`` message is yielded as an errors-only payload and ends the stream; a socket that
closes without ``complete`` raises :class:`SubgraphStreamLost`, which the caller turns into an error
event and a close for its client.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from router.execution.subgraph_tls import SubgraphTls, ssl_context

PROTOCOL = "graphql-transport-ws"
# Headers about the client's own connection; a WebSocket handshake sets its own.
_SKIPPED = frozenset({"content-type", "content-length", "connection", "upgrade", "host", "accept", "accept-encoding"})


@dataclass(frozen=True, slots=True)
class _Final:
    payload: dict[str, Any]


class SubgraphStreamLost(Exception):
    """The subgraph closed the subscription's socket (or never opened it) without completing it."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"subgraph {service!r} dropped the subscription: {reason}")
        self.service = service
        self.reason = reason


_Item = dict[str, Any] | _Final | BaseException | None


def websocket_url(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url


class SubgraphStreams:
    """Opens subgraph subscriptions; one aiohttp session (and its connector) for all of them."""

    def __init__(self, *, init_timeout: float = 10.0, heartbeat: float = 30.0, max_backlog: int = 1000) -> None:
        self.init_timeout = init_timeout
        self.max_backlog = max_backlog  # events read from the subgraph and not yet completed by the router
        self.heartbeat = heartbeat
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0), cookie_jar=aiohttp.DummyCookieJar()
            )
        return self._session

    async def subscribe(
        self,
        service: str,
        url: str,
        operation: str,
        variables: Mapping[str, Any],
        headers: Mapping[str, str] | None,
        operation_name: str | None = None,
        *,
        tls: SubgraphTls | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        sent = {k: v for k, v in (headers or {}).items() if k.lower() not in _SKIPPED}
        init: dict[str, Any] = {}
        authorization = next((v for k, v in sent.items() if k.lower() == "authorization"), None)
        if authorization:
            init["Authorization"] = authorization
        try:
            socket = await self._open().ws_connect(
                websocket_url(url),
                protocols=(PROTOCOL,),
                headers=sent,
                heartbeat=self.heartbeat,
                ssl=ssl_context(tls) if tls is not None else True,
            )
        except (aiohttp.ClientError, OSError) as error:
            raise SubgraphStreamLost(service, str(error) or type(error).__name__) from error
        completed = False
        try:
            await socket.send_str(orjson.dumps({"type": "connection_init", "payload": init}).decode())
            await self._acknowledged(service, socket)
            payload: dict[str, Any] = {"query": operation, "variables": dict(variables)}
            if operation_name:
                payload["operationName"] = operation_name
            await socket.send_str(orjson.dumps({"id": "1", "type": "subscribe", "payload": payload}).decode())
            # A task of its own reads the socket, so pings are answered and the subgraph's frames
            # drained even while the consumer is busy with the rest of the plan for an earlier event.
            inbox: asyncio.Queue[_Item] = asyncio.Queue()
            reader = asyncio.create_task(self._read(service, socket, inbox))
            try:
                while True:
                    item = await inbox.get()
                    if item is None:
                        completed = True
                        return
                    if isinstance(item, BaseException):
                        raise item
                    if isinstance(item, _Final):  # the subgraph's ``error`` message: the last word
                        completed = True
                        yield item.payload
                        return
                    yield item
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        finally:
            if not socket.closed:
                if not completed:
                    with contextlib.suppress(Exception):
                        await socket.send_str('{"id":"1","type":"complete"}')
                with contextlib.suppress(Exception):
                    await asyncio.shield(socket.close())

    async def _read(
        self,
        service: str,
        socket: aiohttp.ClientWebSocketResponse,
        inbox: asyncio.Queue[_Item],
    ) -> None:
        """Socket frames to ``inbox``: payloads, then ``None`` (complete) or the exception that ended it."""
        try:
            async for message in socket:
                if message.type != aiohttp.WSMsgType.TEXT:
                    break
                data = orjson.loads(message.data)
                kind = data.get("type")
                if kind == "ping":
                    await socket.send_str('{"type":"pong"}')
                elif kind == "next" and isinstance(data.get("payload"), dict):
                    if inbox.qsize() >= self.max_backlog:
                        inbox.put_nowait(SubgraphStreamLost(service, "the client cannot keep up with the events"))
                        return
                    inbox.put_nowait(data["payload"])
                elif kind == "error":
                    errors = data.get("payload")
                    listed = errors if isinstance(errors, list) else [{"message": str(errors)}]
                    inbox.put_nowait(_Final({"errors": listed}))
                    return
                elif kind == "complete":
                    inbox.put_nowait(None)
                    return
            inbox.put_nowait(SubgraphStreamLost(service, f"socket closed (code {socket.close_code})"))
        except (aiohttp.ClientError, OSError) as error:
            inbox.put_nowait(SubgraphStreamLost(service, str(error) or type(error).__name__))

    async def _acknowledged(self, service: str, socket: aiohttp.ClientWebSocketResponse) -> None:
        try:
            async with asyncio.timeout(self.init_timeout):
                async for message in socket:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    kind = orjson.loads(message.data).get("type")
                    if kind == "connection_ack":
                        return
                    if kind == "ping":
                        await socket.send_str('{"type":"pong"}')
        except TimeoutError:
            raise SubgraphStreamLost(service, "no connection_ack") from None
        raise SubgraphStreamLost(service, f"socket closed before connection_ack (code {socket.close_code})")

    async def aclose(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
