"""``traffic_shaping.router.adaptive_concurrency`` on real servers: while the router's CPU has room (its
operations wait on a subgraph that holds them), the limit grows past its minimum, so a burst is not
held to it; with the limit off every operation executes at once. How the limit falls while the CPU is busy is
checked in ``tests/unit/router/server/test_admission.py``."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
    post_held,
    running_router,
    ticking_subgraph,
)
from tests.support.servers import serve_app

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


def test_subscription_events_are_admitted_by_the_gate_like_operations(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    """Each event's plan runs through the adaptive gate: with the limit at its minimum (1) and the products
    subgraph holding the first event's entity fetch, the second subscription's event waits for admission
    (``router_operations_queued_total``) before the gate finds the CPU idle and lets it in. Without the
    gate on events, nothing is ever queued."""
    products = subgraphs["products"]
    hold = products.hold = threading.Event()
    with serve_app(ticking_subgraph()) as ticks_url:
        path = tmp_path / "supergraph.graphql"
        path.write_text(compose(subgraphs, SubgraphInput(name="ticks", url=ticks_url + "/", sdl=TICKS_SDL)))
        config = {"traffic_shaping": {"router": {"adaptive_concurrency": {"minimum": 1}}}}
        with running_router(path, config) as url:
            body = {"query": "subscription { ticked { id name } }"}
            streams = [Background(f"{url}/graphql", body, {"accept": "text/event-stream"}, "sse") for _ in range(2)]
            try:
                queued = 0.0
                for _ in range(200):  # the first event's fetch is held; the second event waits at the gate
                    queued = metric_value(httpx.get(f"{url}/metrics").text, "router_operations_queued_total")
                    if queued >= 1 and len(products.requests) >= 1:
                        break
                    time.sleep(0.05)
                hold.set()
                events = [stream.next() for stream in streams]
                print(f"queued: {queued}, products requests: {len(products.requests)}, events: {events}")
                assert queued >= 1
                assert events == [("next", {"data": {"ticked": {"id": "p1", "name": "Table"}}})] * 2
                assert [stream.next()[0] for stream in streams] == ["complete"] * 2
            finally:
                hold.set()
                for stream in streams:
                    stream.close()
