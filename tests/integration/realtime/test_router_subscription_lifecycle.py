"""Caps, operation limits, schema reloads, a subgraph that drops its stream, and the router draining.

A router of its own (small caps), over the real subgraphs; each case is read by real clients.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from subgraphs.orders.app import create_app as create_orders_app
from tests.integration.orders.conftest import orders_settings
from tests.integration.orders.products import Products
from tests.integration.realtime.clients import Background
from tests.integration.realtime.platform import Platform, compose, running_platform
from tests.support.graphql_ws import graphql_ws
from tests.support.servers import free_port
from tests.support.tokens import TestTokens

pytestmark = [pytest.mark.integration, pytest.mark.orders, pytest.mark.router]

TRACK = "subscription($id: ID!) { orderUpdated(id: $id) { id status buyer { name } } }"
MINE = "subscription { myOrderUpdates { id status } }"


@pytest.fixture(scope="module")
def capped(
    database_url: str,
    broker_url: str,
    products_url: str,
    tokens: TestTokens,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("realtime-capped")
    settings = orders_settings(
        database_url, broker_url, products_url, data_dir, queue_name=f"rtc-{uuid.uuid4().hex[:8]}"
    )
    config = {
        "subscription": {"max_per_connection": 2, "max_opened_subscriptions": 3, "heartbeat_interval": "1s"},
        "limits": {"max_depth": 4},
    }
    with running_platform(
        database_url=database_url,
        data_dir=data_dir,
        tokens=tokens,
        orders_settings=settings,
        products_url=products_url,
        router_config=config,
    ) as running:
        yield running


def codes(message: dict[str, Any]) -> list[str]:
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    return [e["extensions"]["code"] for e in errors]


def active(platform: Platform) -> int:
    return len(platform.router_app.state.subscriptions.active)


async def wait_for(check: Any, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def point_orders_at(platform: Platform, orders_url: str, users_url: str, products_url: str) -> None:
    holder = platform.router_app.state.holder
    before = holder.current
    platform.supergraph.write_text(compose({"users": users_url, "products": products_url, "orders": orders_url}))
    await wait_for(lambda: holder.current is not before, "the router to reload")


def subgraph_url(platform: Platform, name: str) -> str:
    url = platform.router_app.state.holder.current.engine.supergraph.subgraphs[name].url
    return str(url).removesuffix("/graphql")


async def test_caps_per_connection_and_in_total(capped: Platform) -> None:
    user = str(uuid.uuid4())
    headers = capped.headers(user)
    async with (
        graphql_ws(f"{capped.router_url}/graphql", headers) as a,
        graphql_ws(f"{capped.router_url}/graphql", headers) as b,
    ):
        await a.init()
        await b.init()
        first, second = await a.subscribe(MINE), await a.subscribe(MINE)
        third = await a.subscribe(MINE)
        refused = await a.next(third)
        assert codes(refused) == ["SUBSCRIPTION_LIMIT_REACHED"]
        assert "subscription.max_per_connection" in refused["payload"][0]["message"]
        await b.subscribe(MINE)
        await wait_for(lambda: active(capped) == 3, "three open subscriptions")
        over = await b.next(await b.subscribe(MINE))
        assert codes(over) == ["SUBSCRIPTION_LIMIT_REACHED"]
        assert "subscription.max_opened_subscriptions" in over["payload"][0]["message"]
        sse = httpx.post(
            f"{capped.router_url}/graphql", json={"query": MINE}, headers={**headers, "Accept": "text/event-stream"}
        )
        assert sse.status_code == 429
        assert sse.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT_REACHED"
        # completing one frees a place
        await a.complete(first)
        await wait_for(lambda: active(capped) == 2, "the completed subscription to be gone")
        again = await b.subscribe(MINE)
        await wait_for(lambda: active(capped) == 3, "the new subscription")
        assert b.messages[again].empty()
        del second
    await wait_for(lambda: active(capped) == 0, "every subscription to end with its connection")
    text = httpx.get(f"{capped.router_url}/metrics").text
    assert 'router_subscriptions_total{result="limited"} 3.0' in text


async def test_operation_limits_apply(capped: Platform) -> None:
    deep = "subscription { myOrderUpdates { items { product { id } } buyer { orders { items { id } } } } }"
    async with graphql_ws(f"{capped.router_url}/graphql", capped.headers(str(uuid.uuid4()))) as ws:
        await ws.init()
        refused = await ws.next(await ws.subscribe(deep))
        assert refused["type"] == "error"
        assert "depth" in refused["payload"][0]["message"].lower()
    assert active(capped) == 0


async def test_reload_completes_subscriptions_and_a_dropped_subgraph_stream_is_an_error(
    capped: Platform, products: Products, database_url: str, products_url: str
) -> None:
    buyer = capped.create_user("Ada")
    product = await products.add(stock=10, price=100)
    order_id = capped.create_order(buyer, product)
    users_url = subgraph_url(capped, "users")
    async with graphql_ws(f"{capped.router_url}/graphql", capped.headers(buyer)) as ws:
        await ws.init()
        op = await ws.subscribe(TRACK, {"id": order_id})
        sse = Background(
            f"{capped.router_url}/graphql",
            {"query": TRACK, "variables": {"id": order_id}},
            {**capped.headers(buyer), "Accept": "text/event-stream"},
            "sse",
        )
        try:
            await wait_for(lambda: active(capped) == 2, "two subscriptions")
            # a new supergraph (orders now on instance two): the old subscriptions complete
            await point_orders_at(capped, capped.orders_urls[1], users_url, products_url)
            assert (await ws.next(op))["type"] == "complete"
            assert sse.next() == ("complete", "")
        finally:
            sse.close()
        # subscribing again works on the new schema, through instance two
        op = await ws.subscribe(TRACK, {"id": order_id})
        await wait_for(lambda: active(capped) == 1, "the new subscription")
        await asyncio.to_thread(
            capped.update_order, order_id, buyer, {"status": "CANCELLED"}, via=capped.orders_urls[0]
        )
        event = await ws.next(op)
        assert event["payload"]["data"]["orderUpdated"] == {
            "id": order_id,
            "status": "CANCELLED",
            "buyer": {"name": "Ada"},
        }
        await ws.complete(op)

    # an orders instance that goes away mid-stream: an error event, then complete
    extra_app = create_orders_app(capped.orders_settings, verifier=capped.tokens.verifier())
    server = uvicorn.Server(uvicorn.Config(extra_app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    await wait_for(lambda: server.started, "the extra orders instance")
    try:
        await point_orders_at(capped, f"http://127.0.0.1:{server.config.port}", users_url, products_url)
        async with graphql_ws(f"{capped.router_url}/graphql", capped.headers(buyer)) as ws:
            await ws.init()
            op = await ws.subscribe(TRACK, {"id": order_id})
            await wait_for(lambda: extra_app.state.orders.changes.subscribers == 1, "the subgraph subscription")
            server.should_exit = True  # uvicorn closes its WebSockets (1012) as it stops
            lost = await ws.next(op)
            assert codes(lost) == ["SUBSCRIPTION_STREAM_LOST"]
            assert lost["payload"]["errors"][0]["extensions"]["serviceName"] == "orders"
            assert (await ws.next(op))["type"] == "complete"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 20)
    await point_orders_at(capped, capped.orders_urls[0], users_url, products_url)


async def test_defer_is_off_by_default(capped: Platform) -> None:
    query = "query { __typename ... @defer { __typename } }"
    for accept in ("multipart/mixed;deferSpec=20220824", "application/json"):
        response = httpx.post(f"{capped.router_url}/graphql", json={"query": query}, headers={"Accept": accept})
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "defer" in error["message"]


async def test_draining_completes_every_subscription_and_refuses_new_ones(capped: Platform) -> None:
    """Last in this module: the router is draining afterwards (what SIGTERM does before stopping)."""
    headers = capped.headers(str(uuid.uuid4()))
    async with graphql_ws(f"{capped.router_url}/graphql", headers) as ws:
        await ws.init()
        op = await ws.subscribe(MINE)
        sse = Background(
            f"{capped.router_url}/graphql", {"query": MINE}, {**headers, "Accept": "text/event-stream"}, "sse"
        )
        try:
            await wait_for(lambda: active(capped) == 2, "two subscriptions")
            capped.router_app.state.lifecycle.draining = True
            assert (await ws.next(op))["type"] == "complete"
            assert sse.next() == ("complete", "")
            code, _ = await asyncio.wait_for(ws.closed, 10)
            assert code == 1001
        finally:
            sse.close()
    refused = httpx.post(
        f"{capped.router_url}/graphql", json={"query": MINE}, headers={**headers, "Accept": "text/event-stream"}
    )
    assert refused.status_code == 503
    assert active(capped) == 0
