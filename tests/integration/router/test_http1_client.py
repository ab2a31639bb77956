"""The router's own HTTP/1.1 subgraph client (``router/execution/http1.py``) through the real
:class:`Fetcher`, against subgraphs that are real sockets answering byte for byte as a test needs:
keep-alive reuse, chunked and close-delimited bodies, ``Connection: close``, a server closing an idle
connection (or one it was just sent a request on), a reset in the middle of an answer, a timeout, the
pool's limit under concurrency, non-2xx statuses, the headers sent, and a mutation never sent twice."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from router.execution.fetcher import Fetcher, SubgraphEndpoint
from router.execution.http1 import Http1Client
from tests.support.raw_subgraph import ANSWER, Handler, Subgraph, answer_after, answer_ok, ok, reset

pytestmark = pytest.mark.router


@pytest.fixture
def served() -> Iterator[list[Subgraph]]:
    servers: list[Subgraph] = []
    yield servers
    for server in servers:
        server.close()


def start(served: list[Subgraph], handler: Handler = answer_ok) -> Subgraph:
    server = Subgraph(handler)
    served.append(server)
    return server


def query(text: str = "query Q{x}") -> bytes:
    return b'{"query":' + orjson.dumps(text) + b',"variables":{}}'


def fetcher_for(server: Subgraph, timeout: float = 5.0, pool_size: int = 100) -> Fetcher:
    return Fetcher({"users": SubgraphEndpoint("users", server.url, timeout)}, pool_size=pool_size)


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for ``condition`` (something another thread or the event loop does), failing after ``seconds``."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


def code(response: dict[str, Any]) -> object:
    return response["errors"][0]["extensions"]["code"]


async def test_keep_alive_connections_are_reused(served: list[Subgraph]) -> None:
    server = start(served)
    fetcher = fetcher_for(server)
    try:
        for _ in range(5):
            assert await fetcher.fetch("users", query()) == {"data": {"x": 1}}
    finally:
        await fetcher.aclose()
    assert len(server.requests) == 5
    assert server.connections == 1


async def test_the_headers_sent_are_the_callers_and_the_json_ones(served: list[Subgraph]) -> None:
    server = start(served)
    fetcher = fetcher_for(server)
    forwarded = {"authorization": "Bearer abc", "x-request-id": "r1", "x-marketplace-service-token": "t"}
    try:
        await fetcher.fetch("users", query(), forwarded)
    finally:
        await fetcher.aclose()
    head, body = server.requests[0]
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /graphql HTTP/1.1"
    headers = dict(line.split(b": ", 1) for line in lines[1:])
    port = server.url.split(":")[2].split("/")[0]
    assert headers == {
        b"host": b"127.0.0.1:" + port.encode(),
        b"content-type": b"application/json",
        b"accept": b"application/json",
        b"user-agent": b"marketplace-router",
        b"authorization": b"Bearer abc",
        b"x-request-id": b"r1",
        b"x-marketplace-service-token": b"t",
        b"content-length": str(len(body)).encode(),
    }
    assert body == query()


async def test_each_request_carries_its_own_headers_and_length_when_header_sets_interleave(
    served: list[Subgraph],
) -> None:
    # The encoded header lines are kept per distinct header set: interleaved callers must never get
    # another's, and the length is each body's own.
    server = start(served)
    fetcher = fetcher_for(server)
    sets = [{"authorization": f"Bearer {n}"} for n in ("a", "bb", "a")] + [{}, {"authorization": "Bearer bb"}]
    bodies = [query("query Q{x}"), query("query Q{x y}"), query("{x}"), query("query Long{x y z}"), query()]
    try:
        for headers, body in zip(sets, bodies, strict=True):
            await fetcher.fetch("users", body, headers)
    finally:
        await fetcher.aclose()
    for (head, body), headers, sent in zip(server.requests, sets, bodies, strict=True):
        lines = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:])
        assert lines.get(b"authorization") == (headers["authorization"].encode() if headers else None)
        assert lines[b"content-length"] == str(len(sent)).encode()
        assert body == sent


async def test_a_header_that_would_split_the_request_is_never_sent(served: list[Subgraph]) -> None:
    server = start(served)
    fetcher = fetcher_for(server)
    try:
        response = await fetcher.fetch("users", query(), {"x-note": "a\r\nx-admin: 1"})
        again = await fetcher.fetch("users", query(), {"x-note": "a\r\nx-admin: 1"})  # refused, not remembered
        bad_name = await fetcher.fetch("users", query(), {"x note": "a"})
    finally:
        await fetcher.aclose()
    assert code(response) == "SUBREQUEST_HTTP_ERROR"
    assert code(again) == "SUBREQUEST_HTTP_ERROR"
    assert code(bad_name) == "SUBREQUEST_HTTP_ERROR"
    assert server.requests == []


async def test_a_chunked_answer_is_read_whole(served: list[Subgraph]) -> None:
    answer = orjson.dumps({"data": {"items": [{"n": n, "text": "y" * 50} for n in range(200)]}})

    def chunked(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
        for start_at in range(0, len(answer), 1000):
            piece = answer[start_at : start_at + 1000]
            connection.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            time.sleep(0.001)
        connection.sendall(b"0\r\n\r\n")
        return True

    server = start(served, chunked)
    fetcher = fetcher_for(server)
    try:
        first = await fetcher.fetch("users", query())
        second = await fetcher.fetch("users", query())
    finally:
        await fetcher.aclose()
    assert first == second == orjson.loads(answer)
    assert server.connections == 1  # the chunked answer's end is known: the connection is kept


async def test_connection_close_is_honoured_and_a_close_delimited_body_read(served: list[Subgraph]) -> None:
    def closing(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        if len(server.requests) % 2:  # Content-Length and Connection: close
            connection.sendall(ok(extra=b"connection: close\r\n"))
        else:  # no length at all: the body ends with the connection
            connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n" + ANSWER)
        return False

    server = start(served, closing)
    fetcher = fetcher_for(server)
    try:
        for _ in range(4):
            assert await fetcher.fetch("users", query()) == {"data": {"x": 1}}
    finally:
        await fetcher.aclose()
    assert server.connections == 4
    assert len(server.requests) == 4


async def test_a_connection_the_server_closed_while_idle_is_not_used(served: list[Subgraph]) -> None:
    def answer_then_close(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        connection.sendall(ok())
        time.sleep(0.05)
        return False  # closes after answering, without saying so

    server = start(served, answer_then_close)
    fetcher = fetcher_for(server)
    try:
        assert await fetcher.fetch("users", query("mutation M{x}")) == {"data": {"x": 1}}
        pool = fetcher._http1.pool(server.url)  # type: ignore[union-attr]
        await until(lambda: all(connection.closed for connection in pool._idle))  # the close has arrived
        assert await fetcher.fetch("users", query("mutation M{x}")) == {"data": {"x": 1}}
    finally:
        await fetcher.aclose()
    assert server.connections == 2
    assert len(server.requests) == 2


def close_on_second_request(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
    """Answers a connection's first request; closes it on its second without a byte (the race of a
    keep-alive connection closed by the server just as the client reuses it)."""
    if index == 0:
        connection.sendall(ok())
        return True
    return False


async def test_a_query_on_a_reused_connection_closed_unanswered_is_sent_again_on_a_new_one(
    served: list[Subgraph],
) -> None:
    server = start(served, close_on_second_request)
    fetcher = fetcher_for(server)
    try:
        assert await fetcher.fetch("users", query()) == {"data": {"x": 1}}
        assert await fetcher.fetch("users", query()) == {"data": {"x": 1}}
    finally:
        await fetcher.aclose()
    assert len(server.requests) == 3  # the second query twice: the closed connection, then a new one
    assert server.connections == 2


async def test_a_mutation_on_a_reused_connection_closed_unanswered_is_never_sent_again(
    served: list[Subgraph],
) -> None:
    server = start(served, close_on_second_request)
    fetcher = fetcher_for(server)
    try:
        assert await fetcher.fetch("users", query("mutation M{x}")) == {"data": {"x": 1}}
        response = await fetcher.fetch("users", query("mutation M{x}"))
    finally:
        await fetcher.aclose()
    assert code(response) == "SUBREQUEST_HTTP_ERROR"
    assert "http" not in response["errors"][0]["extensions"]  # a transport failure
    assert len(server.requests) == 2
    assert server.connections == 1


async def test_a_reset_in_the_middle_of_an_answer_fails_the_fetch_and_is_not_resent(served: list[Subgraph]) -> None:
    def reset_midway(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        if index == 0:
            connection.sendall(ok())
            return True
        whole = ok(b'{"data":{"x":"' + b"z" * 5000 + b'"}}')
        connection.sendall(whole[: len(whole) // 2])
        time.sleep(0.05)
        reset(connection)
        return False

    server = start(served, reset_midway)
    fetcher = fetcher_for(server)
    try:
        assert await fetcher.fetch("users", query()) == {"data": {"x": 1}}
        response = await fetcher.fetch("users", query())  # a query, on a reused connection, but half-answered
        after = await fetcher.fetch("users", query())
    finally:
        await fetcher.aclose()
    assert code(response) == "SUBREQUEST_HTTP_ERROR"
    assert "http" not in response["errors"][0]["extensions"]
    assert after == {"data": {"x": 1}}
    assert len(server.requests) == 3
    assert server.connections == 2


async def test_a_timed_out_connection_is_closed_and_never_reused(served: list[Subgraph]) -> None:
    def slow_first(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        if len(server.requests) == 1:
            time.sleep(1.0)
        connection.sendall(ok())
        return True

    server = start(served, slow_first)
    fetcher = fetcher_for(server, timeout=0.3)
    try:
        response = await fetcher.fetch("users", query())
        after = await fetcher.fetch("users", query())
    finally:
        await fetcher.aclose()
    assert code(response) == "SUBREQUEST_TIMEOUT"
    assert after == {"data": {"x": 1}}
    assert server.connections == 2


async def test_the_pool_limit_holds_under_concurrency(served: list[Subgraph]) -> None:
    server = start(served, answer_after(0.02))
    fetcher = fetcher_for(server, pool_size=3)
    try:
        responses = await asyncio.gather(*(fetcher.fetch("users", query()) for _ in range(30)))
    finally:
        await fetcher.aclose()
    assert responses == [{"data": {"x": 1}}] * 30
    assert len(server.requests) == 30
    assert server.most_open <= 3
    assert server.connections == 3


async def test_cancelled_fetches_free_their_connections(served: list[Subgraph]) -> None:
    server = start(served, answer_after(0.3))
    fetcher = fetcher_for(server, pool_size=2)
    try:
        tasks = [asyncio.create_task(fetcher.fetch("users", query())) for _ in range(6)]
        await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        pool = fetcher._http1.pool(server.url)  # type: ignore[union-attr]
        assert pool.open == 0  # the two sent were closed (half-done), the four waiting never had one
        responses = await asyncio.gather(*(fetcher.fetch("users", query()) for _ in range(4)))
        assert pool.open == 2
    finally:
        await fetcher.aclose()
    assert responses == [{"data": {"x": 1}}] * 4
    assert server.connections == 4  # two cancelled midway, never reused; two new ones for the four


async def test_non_2xx_statuses_are_mapped_as_before(served: list[Subgraph]) -> None:
    def statuses(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        if b"Unavailable" in body:
            connection.sendall(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 5\r\n\r\noops!")
        else:
            errors = b'{"errors":[{"message":"boom"}]}'
            connection.sendall(
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: %d\r\n\r\n%s" % (len(errors), errors)
            )
        return True

    server = start(served, statuses)
    fetcher = fetcher_for(server)
    try:
        unavailable = await fetcher.fetch("users", query("{Unavailable}"))
        failed = await fetcher.fetch("users", query("{Failed}"))
    finally:
        await fetcher.aclose()
    error = unavailable["errors"][0]
    assert error["extensions"] == {"code": "SUBREQUEST_HTTP_ERROR", "service": "users", "http": {"status": 503}}
    assert error["message"] == "HTTP fetch failed from 'users': 503: Service Unavailable"
    assert failed == {"errors": [{"message": "boom"}]}  # a GraphQL answer with errors passes as it is
    assert server.connections == 1


async def test_a_refused_connection_is_a_transport_error() -> None:
    with socket.socket() as unused:  # bound, never listening: connections to it are refused
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}/graphql"
        fetcher = Fetcher({"users": SubgraphEndpoint("users", url, 5.0)})
        try:
            response = await fetcher.fetch("users", query())
        finally:
            await fetcher.aclose()
    assert code(response) == "SUBREQUEST_HTTP_ERROR"
    assert "refused" in response["errors"][0]["message"].lower()
    assert "http" not in response["errors"][0]["extensions"]


async def test_idle_connections_are_closed_after_the_idle_time_and_by_aclose(served: list[Subgraph]) -> None:
    server = start(served)
    client = Http1Client(idle_seconds=0.2)
    try:
        await asyncio.gather(*(client.post(server.url, query(), {}, 5.0) for _ in range(3)))
        assert server.open == 3
        await until(lambda: server.closed_by_client == 3)  # the idle ones are closed by the client
        await client.post(server.url, query(), {}, 5.0)
        assert server.connections == 4
    finally:
        await client.aclose()
    await until(lambda: server.closed_by_client == 4)


async def test_an_interim_answer_is_skipped_and_garbage_is_an_error(served: list[Subgraph]) -> None:
    def odd(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        if b"Interim" in body:
            connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + ok())
            return True
        connection.sendall(b"SMTP ready\r\n\r\n")
        return True

    server = start(served, odd)
    fetcher = fetcher_for(server)
    try:
        interim = await fetcher.fetch("users", query("{Interim}"))
        garbage = await fetcher.fetch("users", query("{Garbage}"))
        after = await fetcher.fetch("users", query("{Interim}"))
    finally:
        await fetcher.aclose()
    assert interim == after == {"data": {"x": 1}}
    assert code(garbage) == "SUBREQUEST_HTTP_ERROR"
    assert "invalid HTTP response" in garbage["errors"][0]["message"]
    assert server.connections == 2  # the connection that carried garbage was closed
