"""Subgraph HTTP clients compared: CPU per request of the calling process, the way the router calls.

Starts the many-fetch bench's memoised subgraphs (``bench/many_fetch.py``) and, from one uvloop
process, POSTs a query answered with about 5 KB of JSON, 20 at a time over keep-alive connections,
with the headers the router sends; prints the process's CPU time (all threads, so a Rust runtime's
own thread counts) per request for each client. The router's transport (``router/execution/fetcher.py``)
was chosen with it.

    uv run python bench/http_clients.py [--requests 3000] [aiohttp aiohttp-tuned httpcore pyreqwest minimal own]
    uv run --with aiosonic python bench/http_clients.py aiosonic
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.router import _free_port, _spawn, _wait_ready  # noqa: E402

CONCURRENCY = 20
QUERY = "{ topProducts(first: 30) { upc name description price weight seller { id } } }"
HEADERS = {
    "authorization": "Bearer " + "x" * 200,
    "x-request-id": "0123456789abcdef0123456789abcdef",
    "x-forwarded-for": "127.0.0.1",
    "x-marketplace-service-token": "t" * 180,
    "content-type": "application/json",
    "accept": "application/json",
}

Post = Callable[[Any, str, bytes], Awaitable[bytes]]


async def measure(name: str, client: Any, post: Post, url: str, requests: int) -> None:
    body = orjson.dumps({"query": QUERY, "variables": {}})

    async def worker(count: int) -> None:
        for _ in range(count):
            payload = await post(client, url, body)
            if not bytes(payload[:8]).startswith(b'{"data"'):
                raise RuntimeError(f"{name}: unexpected answer {bytes(payload[:200])!r}")

    await asyncio.gather(*(worker(50) for _ in range(CONCURRENCY)))  # warm up: connections, caches
    rounds = []
    for _ in range(3):
        started = time.process_time()
        await asyncio.gather(*(worker(requests // CONCURRENCY) for _ in range(CONCURRENCY)))
        rounds.append((time.process_time() - started) / requests * 1e6)
    print(f"{name:<16} CPU µs per request: best {min(rounds):6.0f}   rounds {[round(r) for r in rounds]}")


async def run_aiohttp(url: str, requests: int, tuned: bool) -> None:
    import aiohttp
    from multidict import CIMultiDict

    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=60, ttl_dns_cache=300)
    if tuned:
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
            auto_decompress=False,
            timeout=timeout,
        )
        prepared = CIMultiDict(HEADERS)

        async def post_tuned(client: Any, target: str, body: bytes) -> bytes:
            async with client.post(target, data=body, headers=prepared) as response:
                return bytes(await response.read())

        await measure("aiohttp tuned", session, post_tuned, url, requests)
    else:
        session = aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar(), skip_auto_headers=("User-Agent",)
        )

        async def post(client: Any, target: str, body: bytes) -> bytes:
            async with client.post(target, data=body, headers=HEADERS, timeout=timeout) as response:
                return bytes(await response.read())

        await measure("aiohttp", session, post, url, requests)
    await session.close()


async def run_httpcore(url: str, requests: int) -> None:
    import httpcore

    pool = httpcore.AsyncConnectionPool(max_connections=100)
    headers = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def post(client: Any, target: str, body: bytes) -> bytes:
        response = await client.request(b"POST", target.encode(), headers=headers, content=body)
        return bytes(response.content)

    await measure("httpcore", pool, post, url, requests)
    await pool.aclose()


async def run_pyreqwest(url: str, requests: int) -> None:
    from pyreqwest.client import ClientBuilder

    client = ClientBuilder().max_connections(100).tcp_nodelay(True).build()
    timeout = timedelta(seconds=30)

    async def post(client: Any, target: str, body: bytes) -> bytes:
        request = client.post(target).headers(HEADERS).body_bytes(body).timeout(timeout).build()
        response = await request.send()
        return memoryview(await response.bytes())  # type: ignore[return-value]

    await measure("pyreqwest", client, post, url, requests)
    await client.close()


async def run_aiosonic(url: str, requests: int) -> None:
    import aiosonic  # type: ignore[import-not-found]

    client = aiosonic.HTTPClient()

    async def post(client: Any, target: str, body: bytes) -> bytes:
        response = await client.post(target, data=body, headers=HEADERS)
        return bytes(await response.content())

    await measure("aiosonic", client, post, url, requests)


class _MinimalConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection of :func:`run_minimal`, its answers parsed by httptools."""

    def __init__(self) -> None:
        import httptools

        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future[bytes] | None = None
        self.chunks: list[bytes] = []

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        body, self.chunks = b"".join(self.chunks), []
        if self.answer is not None:
            self.answer.set_result(body)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError("closed before the answer"))


async def run_minimal(url: str, requests: int) -> None:
    """Not a client to use: keep-alive POSTs over asyncio and httptools with no timeout, error handling,
    TLS or pool limit, to show the floor a client of our own on the event loop could reach."""
    from urllib.parse import urlsplit

    loop = asyncio.get_running_loop()
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    idle: list[_MinimalConnection] = []
    fixed = [b"POST ", parts.path.encode(), b" HTTP/1.1\r\nhost: ", f"{host}:{port}".encode(), b"\r\n"]
    fixed += [name.encode() + b": " + value.encode() + b"\r\n" for name, value in HEADERS.items()]
    head = b"".join(fixed)

    async def post(client: Any, target: str, body: bytes) -> bytes:
        if idle:
            connection = idle.pop()
        else:
            transport, connection = await loop.create_connection(_MinimalConnection, host, port)
            connection.transport = transport
        assert connection.transport is not None
        connection.answer = loop.create_future()
        connection.transport.writelines((head, b"content-length: %d\r\n\r\n" % len(body), body))
        payload = await connection.answer
        connection.answer = None
        idle.append(connection)
        return payload

    await measure("own minimal", None, post, url, requests)
    for connection in idle:
        if connection.transport is not None:
            connection.transport.close()


async def run_own(url: str, requests: int) -> None:
    """The router's own client (``router/execution/http1.py``), as the fetcher calls it."""
    from router.execution.http1 import Http1Client

    client = Http1Client(limit=100)

    async def post(client: Any, target: str, body: bytes) -> bytes:
        _status, payload = await client.post(target, body, HEADERS, 30.0, resend=True)
        return payload  # type: ignore[no-any-return]

    await measure("own (router)", client, post, url, requests)
    await client.aclose()


async def main(clients: list[str], requests: int) -> None:
    port = _free_port()
    server = _spawn([sys.executable, str(ROOT / "bench" / "router.py"), "--serve-many", str(port)])
    try:
        url = f"http://127.0.0.1:{port}/products/"
        await _wait_ready(url, "{ topProducts(first: 1) { upc } }")
        for name in clients:
            if name == "aiohttp":
                await run_aiohttp(url, requests, tuned=False)
            elif name == "aiohttp-tuned":
                await run_aiohttp(url, requests, tuned=True)
            elif name == "httpcore":
                await run_httpcore(url, requests)
            elif name == "pyreqwest":
                await run_pyreqwest(url, requests)
            elif name == "aiosonic":
                await run_aiosonic(url, requests)
            elif name == "minimal":
                await run_minimal(url, requests)
            elif name == "own":
                await run_own(url, requests)
            else:
                raise SystemExit(f"unknown client {name}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    import uvloop

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("clients", nargs="*", default=["aiohttp", "aiohttp-tuned", "httpcore", "pyreqwest", "own"])
    arguments = parser.parse_args()
    uvloop.run(main(arguments.clients, arguments.requests))
