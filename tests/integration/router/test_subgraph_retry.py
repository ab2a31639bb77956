"""The router's retries of a subgraph query fetch, with the real fetcher over real sockets: an instance
that dies after receiving the request (connection reset, no answer) costs a query another send (up to
``RETRY_DELAYS`` more, stopping at the first answer), and a mutation nothing more (never sent twice)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from router.execution.fetcher import Fetcher, SubgraphEndpoint, is_query
from router.server.config import TrafficShapingConfig
from router.server.retry_budget import RetryBudgets
from router.server.subgraph_retry import JITTER, RETRY_DELAYS, RetryQueryFetches, failed_before_answer, pause
from tests.support.raw_subgraph import Subgraph, answer_ok, reset_unanswered

pytestmark = pytest.mark.router


class FlakySubgraph(Subgraph):
    """Resets the first ``resets`` requests (read, then RST without a byte), answers the others."""

    def __init__(self, resets: int) -> None:
        self.resets = resets
        super().__init__(self._reset_first)

    @property
    def received(self) -> int:
        return len(self.requests)

    def _reset_first(self, connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
        if self.received <= self.resets:
            return reset_unanswered(connection, index, head, body)
        return answer_ok(connection, index, head, body)


@pytest.fixture
def resets() -> int:
    return 1  # how many requests the subgraph resets before answering (tests parametrize it)


@pytest.fixture
def flaky(resets: int) -> Iterator[FlakySubgraph]:
    server = FlakySubgraph(resets=resets)
    yield server
    server.close()


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


def answer_unavailable(connection: socket.socket, index: int, head: bytes, body: bytes) -> bool:
    """A subgraph (or its proxy) shedding every request with a 503, keeping the connection."""
    connection.sendall(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 11\r\n\r\nunavailable")
    return True


async def test_retries_to_a_subgraph_failing_every_request_stay_within_its_budget() -> None:
    """60 query fetches and 5 mutations to a subgraph answering 503 to everything, one after another, with
    a budget of 1 retry a second over 10 s (a reserve of 10) plus 20 % of the requests: every fetch is
    recorded with what it got, every retry wanted with whether the budget let it go, and the subgraph
    counts what reached it."""
    server = Subgraph(answer_unavailable)
    fetcher = Fetcher({"users": SubgraphEndpoint("users", server.url, 5.0)})
    shaping = TrafficShapingConfig.model_validate(
        {"all": {"experimental_retry": {"min_per_sec": 1, "ttl": "10s", "retry_percent": 0.2}}}
    )
    wanted: list[tuple[str, bool]] = []
    retrying = RetryQueryFetches(
        fetcher, delays=(0.0, 0.0), budgets=RetryBudgets(shaping), on_retry=lambda s, sent: wanted.append((s, sent))
    )
    history: list[tuple[str, int | None, list[bool]]] = []  # operation, status answered, its retries wanted
    try:
        for operation in ["{x}"] * 30 + ["mutation M{x}"] * 5 + ["{x}"] * 30:
            before = len(wanted)
            response = await retrying.fetch("users", body(operation))
            status = response["errors"][0]["extensions"].get("http", {}).get("status")
            history.append((operation, status, [allowed for _, allowed in wanted[before:]]))
    finally:
        await fetcher.aclose()
        server.close()
    sent = sum(1 for _, allowed in wanted if allowed)
    refused = len(wanted) - sent
    print(
        f"fetches {len(history)}, retries wanted {len(wanted)}: sent {sent}, over budget {refused}; "
        f"requests received {len(server.requests)}"
    )
    assert [status for _, status, _ in history] == [503] * 65  # each fetch answered with the error it had
    assert len(server.requests) == 65 + sent  # nothing sent that was not counted
    # Deposits: 65 fetches (mutations too); withdrawals: the reserve of 10 plus 20 % of them, exactly.
    assert sent == int(10 + 0.2 * 65)
    assert all(service == "users" for service, _ in wanted)
    for operation, _, retries in history:
        if operation.startswith("mutation"):
            assert retries == []  # never sent again, budget or not
        else:  # retried while the budget lets it, stopping at the first refusal; at most twice
            assert retries in ([True, True], [True, False], [False])
    assert [retries for _, _, retries in history[:5]] == [[True, True]] * 5  # the reserve, spent first
    # Unbudgeted, the same fetches would have sent 60 * 3 + 5 = 185 requests.
    assert len(server.requests) < 60 * 3 + 5


def test_the_pauses_before_retries_are_spread_never_shortened() -> None:
    for delay in RETRY_DELAYS:
        pauses = [pause(delay) for _ in range(2000)]
        assert all(delay * JITTER[0] <= p <= delay * JITTER[1] for p in pauses)
        assert min(pauses) < delay * 1.1  # spread over the range
        assert max(pauses) > delay * 1.4
        assert len(set(pauses)) > 1900  # drawn for each retry, not once
