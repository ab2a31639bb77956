"""The many-fetch bench's memoised subgraphs (bench/many_fetch.py) over a real socket: the answers are the
subgraph's own, a repeated body is answered from the cache and counted, and answers leave one connection
in the order of its requests even when the first one had to be computed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import orjson
import pytest

from bench.many_fetch import Memo, MemoProtocol, graphs

pytestmark = pytest.mark.delivery


@pytest.fixture
async def memo_server() -> AsyncIterator[tuple[Memo, int]]:
    memo = Memo(graphs())
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: MemoProtocol(memo), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield memo, port
    finally:
        server.close()
        await server.wait_closed()


def _post(path: str, body: bytes, *, close: bool = False) -> bytes:
    connection = b"connection: close\r\n" if close else b""
    head = f"POST {path} HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n".encode()
    return head + connection + b"content-length: %d\r\n\r\n" % len(body) + body


async def _answers(reader: asyncio.StreamReader, count: int) -> list[tuple[int, bytes]]:
    answers = []
    for _ in range(count):
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) != b"\r\n":
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        answers.append((int(status_line.split()[1]), await reader.readexactly(length)))
    return answers


async def test_pipelined_requests_are_answered_in_order_and_repeats_from_the_cache(
    memo_server: tuple[Memo, int],
) -> None:
    memo, port = memo_server
    slow = orjson.dumps({"query": "{ topProducts(first: 2) { upc name } }"})
    known = orjson.dumps({"query": "{ topProducts(first: 1) { upc } }"})
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_post("/products/", known))
    assert await asyncio.wait_for(_answers(reader, 1), 10) == [(200, b'{"data":{"topProducts":[{"upc":"p0"}]}}')]
    # One write: a miss (computed by the subgraph), then a body already cached, which must wait its turn,
    # then the miss's body again.
    writer.write(_post("/products/", slow) + _post("/products/", known) + _post("/products/", slow))
    answers = await asyncio.wait_for(_answers(reader, 3), 10)
    writer.close()
    first_two = {"data": {"topProducts": [{"upc": "p0", "name": "Product 0"}, {"upc": "p1", "name": "Product 1"}]}}
    assert [(status, orjson.loads(body)) for status, body in answers] == [
        (200, first_two),
        (200, {"data": {"topProducts": [{"upc": "p0"}]}}),
        (200, first_two),
    ]
    assert memo.count == 4
    assert set(memo.cache) == {(b"/products/", slow), (b"/products/", known)}


async def test_count_reset_unknown_path_and_connection_close(memo_server: tuple[Memo, int]) -> None:
    memo, port = memo_server
    body = orjson.dumps({"query": "{ users { id } }"})
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_post("/accounts/", body) + _post("/accounts/", body) + b"GET /count HTTP/1.1\r\nhost: b\r\n\r\n")
    (_, users), _, (_, counted) = await asyncio.wait_for(_answers(reader, 3), 10)
    assert len(orjson.loads(users)["data"]["users"]) == 20
    assert orjson.loads(counted) == {"count": 2}
    writer.write(_post("/nowhere/", body) + _post("/count/reset", b"", close=True))
    (missing_status, _), (_, reset) = await asyncio.wait_for(_answers(reader, 2), 10)
    assert missing_status == 404
    assert orjson.loads(reset) == {"count": 0}
    assert memo.count == 0
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed after the answer, as asked
    writer.close()
