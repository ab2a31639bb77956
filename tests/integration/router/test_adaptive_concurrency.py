"""``traffic_shaping.router.adaptive_concurrency`` on real servers: while the router's CPU has room (its
operations wait on a slow subgraph), the limit grows past its minimum, so a burst is not held to it;
with the limit off every operation executes at once. How the limit falls while the CPU is busy is
checked in ``tests/unit/router/server/test_admission.py``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import (
    PRODUCTS_WITH_SELLERS,
    PRODUCTS_WITH_SELLERS_ANSWER,
    metric_value,
    running_router,
)

pytestmark = pytest.mark.router

MINIMUM = 2
BURST = 24
SUBGRAPH_DELAY = 0.5


@pytest.fixture(scope="module")
def routers(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[dict[str, str]]:
    path = tmp_path_factory.mktemp("adaptive-concurrency") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    # Identical operations would share one execution and one subgraph request: deduplication off.
    no_dedup = {"all": {"deduplicate_query": False}}
    adaptive = {
        "traffic_shaping": {
            "router": {"deduplicate_requests": False, "adaptive_concurrency": {"minimum": MINIMUM}},
            **no_dedup,
        }
    }
    off = {
        "traffic_shaping": {
            "router": {"deduplicate_requests": False, "adaptive_concurrency": {"enabled": False}},
            **no_dedup,
        }
    }
    with running_router(path, adaptive) as limited, running_router(path, off) as unlimited:
        yield {"adaptive": limited, "off": unlimited}


def _burst(url: str, products: FakeSubgraph) -> tuple[int, str]:
    """Send BURST operations at once through the slow products subgraph; every one must be answered in
    full. Returns how many the subgraph held at once, and the router's /metrics text afterwards."""

    async def send() -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=30.0) as client:
            return await asyncio.gather(
                *(client.post(f"{url}/graphql", json={"query": PRODUCTS_WITH_SELLERS}) for _ in range(BURST))
            )

    products.delay_seconds = SUBGRAPH_DELAY
    products.most_delaying = 0
    responses = asyncio.run(send())
    assert [response.status_code for response in responses] == [200] * BURST
    assert all(response.json() == PRODUCTS_WITH_SELLERS_ANSWER for response in responses)
    return products.most_delaying, httpx.get(f"{url}/metrics").text


def test_a_burst_waiting_on_a_slow_subgraph_is_not_held_to_the_minimum(
    routers: dict[str, str], subgraphs: dict[str, FakeSubgraph]
) -> None:
    at_once, metrics = _burst(routers["adaptive"], subgraphs["products"])

    # Held to the minimum, the subgraph would never see more than 2 of them at once.
    assert at_once >= BURST // 2, at_once
    assert metric_value(metrics, "router_execution_limit") >= BURST // 2
    assert metric_value(metrics, "router_operations_queued_total") >= 1  # the first ones past the minimum waited


def test_with_the_limit_off_a_burst_executes_at_once(
    routers: dict[str, str], subgraphs: dict[str, FakeSubgraph]
) -> None:
    at_once, metrics = _burst(routers["off"], subgraphs["products"])

    assert at_once == BURST
    assert "router_execution_limit{" not in metrics
