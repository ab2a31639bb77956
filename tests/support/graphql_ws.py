"""A small graphql-transport-ws client for tests (aiohttp), speaking the protocol message by message."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

PROTOCOL = "graphql-transport-ws"


class GraphQLWebSocket:
    """One connection: ``init``, then ``subscribe`` operations and read their messages by id."""

    def __init__(self, session: aiohttp.ClientSession, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.session = session
        self.socket = socket
        self._ids = itertools.count(1)
        self.messages: dict[str, asyncio.Queue[dict[str, Any]]] = {}
        self.other: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed: asyncio.Future[tuple[int | None, str]] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = message.json()
            if data.get("type") == "ping":
                await self.socket.send_json({"type": "pong"})
                continue
            if "id" in data:
                self.messages.setdefault(data["id"], asyncio.Queue()).put_nowait(data)
            else:
                self.other.put_nowait(data)
        if not self.closed.done():
            self.closed.set_result((self.socket.close_code, ""))

    async def init(self, payload: Mapping[str, Any] | None = None, timeout: float = 10) -> dict[str, Any]:
        await self.socket.send_json({"type": "connection_init", "payload": dict(payload or {})})
        return await asyncio.wait_for(self.other.get(), timeout)

    async def subscribe(self, query: str, variables: Mapping[str, Any] | None = None) -> str:
        op_id = str(next(self._ids))
        self.messages.setdefault(op_id, asyncio.Queue())
        payload = {"query": query, "variables": dict(variables or {})}
        await self.socket.send_json({"id": op_id, "type": "subscribe", "payload": payload})
        return op_id

    async def next(self, op_id: str, timeout: float = 20) -> dict[str, Any]:
        return await asyncio.wait_for(self.messages[op_id].get(), timeout)

    async def complete(self, op_id: str) -> None:
        await self.socket.send_json({"id": op_id, "type": "complete"})

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self.socket.close()
        await self.session.close()


@contextlib.asynccontextmanager
async def graphql_ws(url: str, headers: Mapping[str, str] | None = None) -> AsyncIterator[GraphQLWebSocket]:
    """Connect to ``url`` (http:// or ws://) with the graphql-transport-ws subprotocol."""
    ws_url = url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    session = aiohttp.ClientSession()
    try:
        socket = await session.ws_connect(ws_url, protocols=(PROTOCOL,), headers=dict(headers or {}), heartbeat=None)
    except Exception:
        await session.close()
        raise
    client = GraphQLWebSocket(session, socket)
    try:
        yield client
    finally:
        await client.close()
