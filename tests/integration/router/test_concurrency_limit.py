"""``traffic_shaping.router.concurrency_limit`` on real servers: past the limit of requests in progress, a
request is answered 503 at once and reaches no subgraph; probes and metrics are never refused; a place is
free again when its response starts, so a subscription's stream does not hold one while it is open.
How workers share the count is in ``tests/integration/router/test_workers.py``; the count's arithmetic
(and a dead worker's share) in ``tests/unit/router/server/test_in_flight.py``."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import httpx
import pytest

from router.compose import SubgraphInput
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.realtime.clients import Background
from tests.integration.router.support import (
    PRODUCTS_WITH_SELLERS,
    PRODUCTS_WITH_SELLERS_ANSWER,
    TICKS_SDL,
    compose,
    metric_value,
    running_router,
    ticking_subgraph,
)
from tests.support.servers import serve_app

pytestmark = pytest.mark.router

LIMIT = 2


# Identical requests in flight would share one execution, and identical subgraph fetches one request:
# each is its own here.
def _shaping(**router: object) -> dict[str, object]:
    return {
        "traffic_shaping": {"router": {"deduplicate_requests": False, **router}, "all": {"deduplicate_query": False}}
    }


async def _wait_for(condition: object, seconds: float = 20.0) -> bool:
    for _ in range(int(seconds / 0.02)):
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.02)
    return False


def test_past_the_limit_requests_get_503_at_once_and_reach_no_subgraph(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    products = subgraphs["products"]
    hold = products.hold = threading.Event()
    config = _shaping(concurrency_limit=LIMIT)

    async def scenario(url: str) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            query = {"query": PRODUCTS_WITH_SELLERS}
            held = [asyncio.ensure_future(client.post(f"{url}/graphql", json=query)) for _ in range(LIMIT)]
            try:
                assert await _wait_for(lambda: len(products.requests) == LIMIT)
                refused = await client.post(f"{url}/graphql", json=query)
                other = await client.get(f"{url}/users/u1")
                probes = [(await client.get(f"{url}{path}")).status_code for path in ("/health", "/ready", "/metrics")]
                seen_while_full = len(products.requests)
            finally:
                hold.set()
            answers = await asyncio.gather(*held)
            after = await client.post(f"{url}/graphql", json=query)  # the places are free again
            metrics = (await client.get(f"{url}/metrics")).text
        print(
            f"refused: {refused.status_code} {refused.json()}; other path: {other.status_code}; "
            f"held answers: {[a.status_code for a in answers]}; after: {after.status_code}"
        )
        assert refused.status_code == 503
        assert refused.json()["errors"][0]["extensions"] == {"code": "REQUEST_CONCURRENCY_LIMITED", "limit": LIMIT}
        assert other.status_code == 503
        assert other.headers["content-type"] == "application/problem+json"
        assert (other.json()["status"], other.json()["code"]) == (503, "REQUEST_CONCURRENCY_LIMITED")
        assert probes == [200, 200, 200]
        assert seen_while_full == LIMIT  # the refused query was never fetched
        assert [a.status_code for a in answers] == [200] * LIMIT
        assert [a.json() for a in answers] == [PRODUCTS_WITH_SELLERS_ANSWER] * LIMIT
        assert after.status_code == 200
        assert after.json() == PRODUCTS_WITH_SELLERS_ANSWER
        assert metric_value(metrics, "router_requests_concurrency_limited_total") == 2

    with running_router(supergraph_file, config) as url:
        asyncio.run(scenario(url))


def test_without_a_limit_nothing_is_refused(supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]) -> None:
    products = subgraphs["products"]
    hold = products.hold = threading.Event()

    async def scenario(url: str) -> None:
        async with httpx.AsyncClient(timeout=30) as client:
            held = [
                asyncio.ensure_future(client.post(f"{url}/graphql", json={"query": "{ products { id } }"}))
                for _ in range(10)
            ]
            try:
                assert await _wait_for(lambda: len(products.requests) == 10)
            finally:
                hold.set()
            assert {a.status_code for a in await asyncio.gather(*held)} == {200}

    with running_router(supergraph_file, _shaping()) as url:
        asyncio.run(scenario(url))


def test_an_open_subscription_stream_holds_no_place(tmp_path: Path, subgraphs: dict[str, FakeSubgraph]) -> None:
    """Limit 1: a subscription over SSE whose event is held at the products subgraph keeps its stream open;
    a query still gets the one place, since the stream left the count when its response started."""
    products = subgraphs["products"]
    hold = products.hold = threading.Event()
    with serve_app(ticking_subgraph()) as ticks_url:
        path = tmp_path / "supergraph.graphql"
        path.write_text(compose(subgraphs, SubgraphInput(name="ticks", url=ticks_url + "/", sdl=TICKS_SDL)))
        config = {"traffic_shaping": {"router": {"concurrency_limit": 1}}}
        with running_router(path, config) as url:
            body = {"query": "subscription { ticked { id name } }"}
            stream = Background(f"{url}/graphql", body, {"accept": "text/event-stream"}, "sse")
            try:
                for _ in range(400):  # the event's entity fetch has reached products, and waits there
                    if products.requests:
                        break
                    time.sleep(0.05)
                assert products.requests
                answer = httpx.post(f"{url}/graphql", json={"query": "{ users { id } }"}, timeout=10)
                print(f"query while the stream is open: {answer.status_code} {answer.text[:120]}")
                assert answer.status_code == 200
                assert answer.json()["data"]["users"]
                hold.set()
                assert stream.next() == ("next", {"data": {"ticked": {"id": "p1", "name": "Table"}}})
            finally:
                hold.set()
                stream.close()
