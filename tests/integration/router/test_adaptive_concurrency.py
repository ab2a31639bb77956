"""``traffic_shaping.router.adaptive_concurrency`` on real servers: while the router's CPU has room (its
operations wait on a subgraph that holds them), the limit grows past its minimum, so a burst is not
held to it; with the limit off every operation executes at once. How the limit falls while the CPU is busy is
checked in ``tests/unit/router/server/test_admission.py``."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import (
    PRODUCTS_WITH_SELLERS,
    PRODUCTS_WITH_SELLERS_ANSWER,
    metric_value,
    post_held,
    running_router,
)

pytestmark = pytest.mark.router

MINIMUM = 2
BURST = 24
HOLD_SECONDS = 10.0  # how long the subgraph holds requests at most, waiting for the whole burst


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
    """Send BURST operations at once; the products subgraph holds every request it gets until it holds
    all BURST (or HOLD_SECONDS pass), then answers. Every operation must be answered in full. Returns
    how many requests the subgraph held at once, and the router's /metrics text afterwards."""
    hold = products.hold = threading.Event()

    async def send() -> tuple[list[httpx.Response], int]:
        held = 0  # counted before any is answered: the subgraph records a request, then holds it

        async def all_held() -> bool:
            nonlocal held
            held = len(products.requests)
            return held >= BURST

        async with httpx.AsyncClient(timeout=30.0) as client:
            requests: list[tuple[dict[str, str], dict[str, Any]]] = [({}, {"query": PRODUCTS_WITH_SELLERS})] * BURST
            responses, _ = await post_held(client, url, requests, hold, all_held, HOLD_SECONDS)
        return responses, held

    responses, held = asyncio.run(send())
    assert [response.status_code for response in responses] == [200] * BURST
    assert all(response.json() == PRODUCTS_WITH_SELLERS_ANSWER for response in responses)
    return held, httpx.get(f"{url}/metrics").text


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
