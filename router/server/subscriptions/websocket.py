"""The ``graphql-transport-ws`` protocol on the router's GraphQL path (server side).

Close codes are the protocol's: 4400 bad message, 4401 subscribe before ``connection_ack``, 4403
bad token, 4406 other subprotocol, 4408 no ``connection_init`` in time, 4409 a subscription id
already in use, 4429 a second ``connection_init``. The token comes from the handshake's
``Authorization`` header or from ``connection_init``'s payload (``{"Authorization": "Bearer ..."}``,
what a browser can send). A refused subscription (limits, validation, caps) gets an ``error``
message for its id and the connection stays open. The server pings every
``subscription.heartbeat_interval``; on reload and shutdown each subscription gets ``complete``,
then (shutdown) the socket is closed with 1001.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from router.server.asgi import request_headers
from router.server.auth import RouterAuthenticator
from router.server.errors import RequestError
from router.server.graphql_request import request_from_json
from router.server.subscriptions.manager import Stream, SubscriptionRefused, Subscriptions, limit_error
from servicekit.auth import Principal

PROTOCOL = "graphql-transport-ws"
SubgraphHeaders = Callable[[Scope, Mapping[str, str]], Mapping[str, str]]


class _Closed(Exception):
    pass


class WebSocketConnection:
    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        subscriptions: Subscriptions,
        authenticator: RouterAuthenticator | None,
        subgraph_headers: SubgraphHeaders,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self._send = send
        self.subscriptions = subscriptions
        self.authenticator = authenticator
        self.subgraph_headers = subgraph_headers
        self.headers = request_headers(scope)
        self.principal: Principal | None = None
        self.forwarded: dict[str, str] = {}
        self.acknowledged = False
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.lock = asyncio.Lock()
        self.closed = False

    async def send(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        async with self.lock:
            await self._send({"type": "websocket.send", "text": orjson.dumps(message).decode()})

    async def close(self, code: int, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": code, "reason": reason})

    async def run(self) -> None:
        message = await self.receive()
        if message["type"] != "websocket.connect":
            return
        offered = [p.strip() for p in self.headers.get("sec-websocket-protocol", "").split(",") if p.strip()]
        if PROTOCOL not in offered:
            await self._send({"type": "websocket.close", "code": 4406, "reason": "Subprotocol not acceptable"})
            return
        await self._send({"type": "websocket.accept", "subprotocol": PROTOCOL})
        config = self.subscriptions.config
        heartbeat = asyncio.create_task(self._heartbeat(config.heartbeat_interval))
        draining = asyncio.create_task(self._close_when_draining())
        try:
            await asyncio.wait_for(self._until_init(), config.connection_init_timeout)
            await self._loop()
        except TimeoutError:
            await self.close(4408, "Connection initialisation timeout")
        except _Closed:
            pass
        finally:
            heartbeat.cancel()
            draining.cancel()
            for task in list(self.operations.values()):
                task.cancel()
            for task in list(self.operations.values()):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _receive_json(self) -> dict[str, Any]:
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            self.closed = True
            raise _Closed()
        text = message.get("text")
        if text is None and message.get("bytes") is not None:
            text = message["bytes"].decode("utf-8", "replace")
        try:
            data = orjson.loads(text or "")
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            await self.close(4400, "Invalid message")
            raise _Closed()
        return data

    async def _until_init(self) -> None:
        while True:
            data = await self._receive_json()
            kind = data["type"]
            if kind == "connection_init":
                await self._init(data.get("payload"))
                return
            if kind == "ping":
                await self.send({"type": "pong"})
            elif kind == "subscribe":
                await self.close(4401, "Unauthorized")
                raise _Closed()

    async def _init(self, payload: Any) -> None:
        headers = dict(self.headers)
        if isinstance(payload, dict):
            for key, value in payload.items():
                if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
                    headers["authorization"] = value
        try:
            if self.authenticator is not None:
                self.principal = await self.authenticator.authenticate(headers)
        except RequestError as error:
            await self.close(4403, f"Forbidden: {error.message}"[:120])
            raise _Closed() from None
        self.forwarded = dict(self.subgraph_headers(self.scope, headers))
        self.acknowledged = True
        await self.send({"type": "connection_ack"})

    async def _loop(self) -> None:
        while True:
            data = await self._receive_json()
            kind = data["type"]
            if kind == "subscribe":
                await self._subscribe(data)
            elif kind == "complete":
                task = self.operations.pop(str(data.get("id")), None)
                if task is not None:
                    task.cancel()
            elif kind == "ping":
                await self.send({"type": "pong", **({"payload": data["payload"]} if "payload" in data else {})})
            elif kind == "pong":
                pass
            elif kind == "connection_init":
                await self.close(4429, "Too many initialisation requests")
                raise _Closed()
            else:
                await self.close(4400, f"Unexpected message type {kind!r}")
                raise _Closed()

    async def _subscribe(self, data: dict[str, Any]) -> None:
        op_id = data.get("id")
        payload = data.get("payload")
        if not isinstance(op_id, str) or not op_id or not isinstance(payload, dict):
            await self.close(4400, "Invalid subscribe message")
            raise _Closed()
        if op_id in self.operations:
            await self.close(4409, f"Subscriber for {op_id} already exists")
            raise _Closed()
        limit = self.subscriptions.config.max_per_connection
        try:
            if len(self.operations) >= limit:
                self.subscriptions.results.labels("limited").inc()
                raise limit_error(
                    f"This connection has reached its limit of {limit} subscriptions "
                    "(subscription.max_per_connection); complete one or open another connection."
                )
            try:
                request = request_from_json(payload)
            except RequestError as error:
                raise SubscriptionRefused(error.status, [error.error()]) from None
            stream = await self.subscriptions.open(request, self.principal, self.forwarded)
        except SubscriptionRefused as refused:
            await self.send({"id": op_id, "type": "error", "payload": refused.errors})
            return
        self.operations[op_id] = asyncio.create_task(self._forward(op_id, stream))

    async def _forward(self, op_id: str, stream: Stream) -> None:
        try:
            async for response in stream:
                await self.send({"id": op_id, "type": "next", "payload": response})
            await self.send({"id": op_id, "type": "complete"})
        except asyncio.CancelledError:
            pass
        finally:
            await stream.close()
            self.operations.pop(op_id, None)

    async def _heartbeat(self, interval: float) -> None:
        with contextlib.suppress(Exception):
            while not self.closed:
                await asyncio.sleep(interval)
                await self.send({"type": "ping"})

    async def _close_when_draining(self) -> None:
        await self.subscriptions.closing_event.wait()
        # Let the subscriptions send their ``complete`` first.
        for _ in range(25):
            if not self.operations:
                break
            await asyncio.sleep(0.02)
        await self.close(1001, "The router is going away")


class WebSocketEndpoint:
    """The ASGI app of the GraphQL path's WebSocket route: one :class:`WebSocketConnection` per socket."""

    def __init__(
        self, subscriptions: Subscriptions, authenticator: RouterAuthenticator | None, subgraph_headers: SubgraphHeaders
    ) -> None:
        self.subscriptions = subscriptions
        self.authenticator = authenticator
        self.subgraph_headers = subgraph_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = WebSocketConnection(
            scope, receive, send, self.subscriptions, self.authenticator, self.subgraph_headers
        )
        await connection.run()
