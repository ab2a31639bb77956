"""The router's retries of a subgraph query fetch, with the real fetcher over real sockets: an instance
that dies after receiving the request (connection reset, no answer) costs a query another send (up to
``RETRY_DELAYS`` more, stopping at the first answer), and a mutation nothing more (never sent twice)."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from router.execution.fetcher import Fetcher, SubgraphEndpoint
from router.server.subgraph_retry import RETRY_DELAYS, RetryQueryFetches, failed_before_answer, is_query

pytestmark = pytest.mark.router

ANSWER = b'{"data":{"x":1}}'


class FlakySubgraph:
    """Resets the first ``resets`` requests (read, then RST without a byte), answers the others."""

    def __init__(self, resets: int) -> None:
        self.resets = resets
        self.received = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/graphql"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection: socket.socket) -> None:
        with connection:
            while True:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(h.split(b":")[1] for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
                )
                while len(body) < length:
                    body += connection.recv(65536)
                self.received += 1
                if self.received <= self.resets:
                    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                    + str(len(ANSWER)).encode()
                    + b"\r\n\r\n"
                    + ANSWER
                )


@pytest.fixture
def resets() -> int:
    return 1  # how many requests the subgraph resets before answering (tests parametrize it)


@pytest.fixture
def flaky(resets: int) -> Iterator[FlakySubgraph]:
    server = FlakySubgraph(resets=resets)
    yield server
    server.sock.close()


def body(operation: str) -> bytes:
    return b'{"query":' + orjson.dumps(operation) + b',"variables":{}}'


async def send(server: FlakySubgraph, operation: str) -> tuple[dict[str, Any], int]:
    """The router's retrying fetcher over the real one, sending ``operation`` to ``server`` once:
    the response, and how many times it was sent again."""
    fetcher = Fetcher({"users": SubgraphEndpoint("users", server.url, 5.0)})
    retrying = RetryQueryFetches(fetcher)
    try:
        return await retrying.fetch("users", body(operation)), retrying.retries
    finally:
        await fetcher.aclose()


async def test_a_query_reset_before_any_answer_is_sent_once_more(flaky: FlakySubgraph) -> None:
    response, retries = await send(flaky, "query Q{x}")
    assert response == {"data": {"x": 1}}
    assert (flaky.received, retries) == (2, 1)


async def test_a_mutation_reset_before_any_answer_is_never_sent_again(flaky: FlakySubgraph) -> None:
    response, retries = await send(flaky, "mutation M{x}")
    assert response["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert (flaky.received, retries) == (1, 0)


@pytest.mark.parametrize("resets", [2])
async def test_a_query_reset_twice_is_answered_on_the_third_send(flaky: FlakySubgraph) -> None:
    response, retries = await send(flaky, "{x}")
    assert response == {"data": {"x": 1}}
    assert (flaky.received, retries) == (3, 2)


@pytest.mark.parametrize("resets", [50])
async def test_a_query_is_sent_a_bounded_number_of_times(flaky: FlakySubgraph) -> None:
    response, retries = await send(flaky, "{x}")
    assert response["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert (flaky.received, retries) == (1 + len(RETRY_DELAYS), len(RETRY_DELAYS))


def test_what_counts_as_a_query_and_as_no_answer() -> None:
    assert is_query(body("{x}"))
    assert is_query(body("query($representations:[_Any!]!){_entities(representations:$representations){id}}"))
    assert not is_query(body("mutation{x}"))
    assert not is_query(b'{"variables":{},"query":"{x}"}')  # unknown layout: never retried
    refused = {"errors": [{"message": "m", "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "service": "s"}}]}
    assert failed_before_answer(refused)
    bad_gateway = {
        "errors": [{"message": "m", "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "http": {"status": 502}}}]
    }
    assert failed_before_answer(bad_gateway)
    server_error = {
        "errors": [{"message": "m", "extensions": {"code": "SUBREQUEST_HTTP_ERROR", "http": {"status": 500}}}]
    }
    assert not failed_before_answer(server_error)
    graphql_error = {"data": None, "errors": [{"message": "m", "extensions": {"code": "FORBIDDEN"}}]}
    assert not failed_before_answer(graphql_error)
