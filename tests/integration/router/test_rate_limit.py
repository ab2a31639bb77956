"""``traffic_shaping.*.global_rate_limit`` on real servers: a spent router budget answers 429 before any
work (no subgraph sees the refused requests), health checks and metrics are never refused, and a spent
subgraph budget fails only that subgraph's fetches, which are never sent. Budgets long enough (an hour)
that none refills within a test; how a bucket refills is checked in
``tests/unit/router/server/test_rate_limit.py``."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import PRODUCTS_WITH_SELLERS, PRODUCTS_WITH_SELLERS_ANSWER, metric_value
from tests.integration.router.support import running_router as start

pytestmark = pytest.mark.router

CAPACITY = 3


@pytest.fixture
def limited_router(supergraph_file: Path) -> Iterator[str]:
    config = {"traffic_shaping": {"router": {"global_rate_limit": {"capacity": CAPACITY, "interval": "1h"}}}}
    with start(supergraph_file, config) as url:
        yield url


def _open_socket(url: str) -> tuple[bytes, int | None, str]:
    """Open a WebSocket on /graphql (graphql-transport-ws) and wait a moment for a close from the router:
    the handshake's status line, and the close frame's code and reason (``None``, "" if none came)."""
    host, port = url.removeprefix("http://").split(":")
    request = (
        "GET /graphql HTTP/1.1\r\nHost: router\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(4096)):
            answer += chunk
        head, _, frames = answer.partition(b"\r\n\r\n")
        sock.settimeout(1.0)  # a socket the router keeps open sends nothing until connection_init
        try:
            while len(frames) < 2 or len(frames) < 2 + frames[1]:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                frames += chunk
        except TimeoutError:
            pass
    status = head.split(b"\r\n", 1)[0]
    if len(frames) < 4 or frames[0] != 0x88:  # FIN + close, unmasked from a server, length < 126
        return status, None, ""
    payload = frames[2 : 2 + frames[1]]
    return status, int.from_bytes(payload[:2], "big"), payload[2:].decode()


def test_past_the_budget_requests_get_429_before_any_work(
    limited_router: str, subgraphs: dict[str, FakeSubgraph]
) -> None:
    url = limited_router
    history = []  # (status, code) of every request, in order
    with httpx.Client(timeout=10) as client:
        for _ in range(CAPACITY + 3):
            response = client.post(f"{url}/graphql", json={"query": PRODUCTS_WITH_SELLERS})
            body = response.json()
            code = body["errors"][0]["extensions"]["code"] if "errors" in body else None
            history.append((response.status_code, code))
            if response.status_code == 200:
                assert body == PRODUCTS_WITH_SELLERS_ANSWER
            else:
                assert response.headers["retry-after"].isdigit()
                assert int(response.headers["retry-after"]) >= 1
                assert response.headers["content-type"].startswith("application/json")
        print(f"history: {history}")
        assert history == [(200, None)] * CAPACITY + [(429, "REQUEST_RATE_LIMITED")] * 3
        # Refused before execution: the subgraphs saw the admitted operations only (one fetch each).
        assert len(subgraphs["products"].requests) == CAPACITY
        assert len(subgraphs["accounts"].requests) == CAPACITY

        # Probes, scrapes and pages still answer; other paths are refused with a problem document.
        assert client.get(f"{url}/health").status_code == 200
        assert client.get(f"{url}/ready").status_code == 200
        assert client.get(f"{url}/").status_code == 200  # the home page (GraphiQL in development)
        assert client.get(f"{url}/graphiql/assets/graphiql.min.css").status_code == 200  # and its assets
        other = client.get(f"{url}/users/u1")
        assert other.status_code == 429
        assert other.headers["content-type"] == "application/problem+json"
        assert other.json()["status"] == 429
        assert other.json()["code"] == "REQUEST_RATE_LIMITED"
        # A subscription cannot open past the budget either: the socket is closed with 1013 Try Again Later.
        status, code, reason = _open_socket(url)
        assert status.startswith(b"HTTP/1.1 101")
        assert code == 1013
        assert reason.startswith("rate limited")
        metrics = client.get(f"{url}/metrics").text
    assert metric_value(metrics, "router_requests_rate_limited_total") == 3 + 2  # + /users/u1, the handshake


def test_without_a_limit_nothing_is_refused(supergraph_file: Path) -> None:
    with start(supergraph_file) as url, httpx.Client(timeout=10) as client:
        statuses = {client.post(f"{url}/graphql", json={"query": "{ products { id } }"}).status_code for _ in range(20)}
        assert statuses == {200}
        assert _open_socket(url) == (b"HTTP/1.1 101 Switching Protocols", None, "")


def test_a_spent_subgraph_budget_fails_only_that_subgraphs_fetches(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    config = {
        "traffic_shaping": {
            "router": {"deduplicate_requests": False},
            "all": {"deduplicate_query": False, "global_rate_limit": {"capacity": 100, "interval": "1h"}},
            "subgraphs": {"accounts": {"global_rate_limit": {"capacity": 2, "interval": "1h"}}},
        }
    }
    with start(supergraph_file, config) as url, httpx.Client(timeout=10) as client:
        answers = [client.post(f"{url}/graphql", json={"query": PRODUCTS_WITH_SELLERS}) for _ in range(4)]
        metrics = client.get(f"{url}/metrics").text
    assert [a.status_code for a in answers] == [200] * 4
    assert [a.json() for a in answers[:2]] == [PRODUCTS_WITH_SELLERS_ANSWER] * 2
    for refused in answers[2:]:
        body = refused.json()
        # The products fetch went out; the accounts fetch was not sent: the sellers are null, with its error.
        assert body["data"] == {
            "products": [{"id": "p1", "name": "Table", "seller": None}, {"id": "p2", "name": "Couch", "seller": None}]
        }
        codes = {error["extensions"]["code"] for error in body["errors"]}
        assert codes == {"REQUEST_RATE_LIMITED"}
    print(
        f"products requests: {len(subgraphs['products'].requests)}, "
        f"accounts requests: {len(subgraphs['accounts'].requests)}"
    )
    assert len(subgraphs["products"].requests) == 4  # all's budget (100) is its own, far from spent
    assert len(subgraphs["accounts"].requests) == 2
    assert metric_value(metrics, "router_subgraph_requests_rate_limited_total", 'subgraph="accounts"') == 2
    assert metric_value(metrics, "router_subgraph_requests_rate_limited_total", 'subgraph="products"') == 0
    assert metric_value(metrics, "router_subgraph_requests_total", 'subgraph="accounts"') == 2  # only those sent
