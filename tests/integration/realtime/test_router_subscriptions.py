"""Given the router over the real subgraphs, when a client subscribes to an order, it sees every change.

The subscription's root field streams from the orders subgraph (instance one, over WebSocket); the
buyer's name and the products' names come per event from the users and products subgraphs through
the normal plan. The changes are made by the worker and through orders instance TWO, so they travel
through PostgreSQL LISTEN/NOTIFY. Each transport is read by a real client: a graphql-transport-ws
WebSocket, an SSE reader and a multipart parser.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.integration.orders.products import Products
from tests.integration.realtime.clients import INCREMENTAL_ACCEPT, MULTIPART_ACCEPT, Background
from tests.integration.realtime.platform import Platform
from tests.support.graphql_ws import graphql_ws

pytestmark = [pytest.mark.integration, pytest.mark.orders, pytest.mark.router]

TRACK = """
subscription Track($id: ID!) {
  orderUpdated(id: $id) { id status buyer { id name } items { quantity product { id name } } }
}
"""


def metric(platform: Platform, name: str) -> float:
    text = httpx.get(f"{platform.router_url}/metrics").text
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def order_with_people(platform: Platform, products: Products) -> tuple[str, str, str, str]:
    buyer = platform.create_user("Ada")
    seller = platform.create_user("Grace")
    product = await products.add(stock=50, price=1500, seller_id=seller)
    order_id = platform.create_order(buyer, product)
    return buyer, seller, product, order_id


async def confirmed(platform: Platform, order_id: str, buyer: str) -> None:
    """Wait for a worker to confirm the order, so the test's own change does not race it."""
    if not platform.workers:
        platform.start_worker()
    for _ in range(200):
        body = platform.gql(platform.router_url, "query($id: ID!) { order(id: $id) { status } }", {"id": order_id},
                            platform.headers(buyer))  # fmt: skip
        if body["data"]["order"]["status"] == "CONFIRMED":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the order was not confirmed")


async def test_websocket_subscription_gets_federated_fields_per_event(platform: Platform, products: Products) -> None:
    buyer, seller, product, order_id = await order_with_people(platform, products)
    events_before = metric(platform, "router_subscription_events_total")
    async with graphql_ws(f"{platform.router_url}/graphql") as ws:
        ack = await ws.init({"Authorization": platform.headers(buyer)["Authorization"]})
        assert ack["type"] == "connection_ack"
        op = await ws.subscribe(TRACK, {"id": order_id})
        await platform.followed(order_id)
        assert metric(platform, "router_subscriptions_active") == 1
        platform.start_worker()
        first = await ws.next(op)
        assert first["type"] == "next", first
        order = first["payload"]["data"]["orderUpdated"]
        assert order["status"] == "CONFIRMED"
        assert order["buyer"] == {"id": buyer, "name": "Ada"}  # from the users subgraph, per event
        assert order["items"][0]["product"]["id"] == product
        assert order["items"][0]["product"]["name"]  # from the products subgraph
        assert "errors" not in first["payload"]

        await asyncio.to_thread(platform.update_order, order_id, seller, {"status": "PAID"})
        second = await ws.next(op)
        assert second["payload"]["data"]["orderUpdated"]["status"] == "PAID"
        assert metric(platform, "router_subscription_events_total") == events_before + 2

        await ws.complete(op)
        for _ in range(100):
            if metric(platform, "router_subscriptions_active") == 0:
                break
            await asyncio.sleep(0.05)
        assert metric(platform, "router_subscriptions_active") == 0


async def test_sse_subscription_distinct_connections(platform: Platform, products: Products) -> None:
    buyer, seller, _, order_id = await order_with_people(platform, products)
    await confirmed(platform, order_id, buyer)
    headers = {**platform.headers(buyer), "Accept": "text/event-stream"}
    body = {"query": TRACK, "variables": {"id": order_id}}
    reader = Background(f"{platform.router_url}/graphql", body, headers, "sse")
    try:
        await platform.followed(order_id)
        await asyncio.to_thread(platform.update_order, order_id, seller, {"status": "PAID"})
        kind, payload = reader.next()
        assert reader.status == 200
        assert reader.content_type.startswith("text/event-stream")
        assert kind == "next"
        assert payload["data"]["orderUpdated"]["status"] == "PAID"
        assert payload["data"]["orderUpdated"]["buyer"]["name"] == "Ada"
        # heartbeats: comment lines while nothing happens (heartbeat_interval is 1s here)
        assert reader.next(timeout=5, skip_heartbeats=False) == ("", ":")
    finally:
        reader.close()


async def test_sse_wrong_token_is_401_and_a_query_is_one_event(platform: Platform) -> None:
    headers = {"Authorization": "Bearer not-a-token", "Accept": "text/event-stream"}
    refused = httpx.post(
        f"{platform.router_url}/graphql", json={"query": TRACK, "variables": {"id": "x"}}, headers=headers
    )
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    query = httpx.post(
        f"{platform.router_url}/graphql", json={"query": "{ __typename }"}, headers={"Accept": "text/event-stream"}
    )
    assert query.status_code == 200
    assert query.text == 'event: next\ndata: {"data":{"__typename":"Query"}}\n\nevent: complete\ndata:\n\n'


@contextlib.asynccontextmanager
async def cancelled_over_multipart(
    platform: Platform, products: Products, accept: str, token_ttl: int = 900
) -> AsyncIterator[tuple[Background, dict[str, Any]]]:
    """A multipart subscription (``accept``) to a confirmed order, and its first part once the buyer cancels."""
    buyer, _, _, order_id = await order_with_people(platform, products)
    await confirmed(platform, order_id, buyer)
    headers = {**platform.headers(buyer, ttl=token_ttl), "Accept": accept}
    reader = Background(
        f"{platform.router_url}/graphql", {"query": TRACK, "variables": {"id": order_id}}, headers, "mp"
    )
    try:
        await platform.followed(order_id)
        await asyncio.to_thread(platform.update_order, order_id, buyer, {"status": "CANCELLED"})
        kind, part = reader.next()
        assert kind == "part", part
        yield reader, part
    finally:
        reader.close()


async def test_multipart_subscription(platform: Platform, products: Products) -> None:
    async with cancelled_over_multipart(platform, products, MULTIPART_ACCEPT) as (reader, part):
        assert reader.content_type == 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"'
        order = part["payload"]["data"]["orderUpdated"]
        assert order["status"] == "CANCELLED"
        assert order["buyer"]["name"] == "Ada"
        assert reader.next(timeout=5, skip_heartbeats=False) == ("part", {})  # heartbeat


async def test_multipart_subscription_for_incremental_delivery_clients(platform: Platform, products: Products) -> None:
    """``multipart/mixed`` without ``subscriptionSpec`` (GraphiQL's fetcher): bare results with ``hasNext``.

    GraphiQL merges each part as an incremental payload; Apollo's ``{"payload": …}`` parts left its pane
    at ``{}``. The stream ends with ``{"hasNext": false}``: here the buyer's token expires and the
    subgraph ends the stream with an error.
    """
    async with cancelled_over_multipart(platform, products, INCREMENTAL_ACCEPT, token_ttl=15) as (reader, part):
        assert reader.content_type == 'multipart/mixed;boundary="-"'
        assert part["hasNext"] is True
        assert part["data"]["orderUpdated"]["status"] == "CANCELLED"
        assert part["data"]["orderUpdated"]["buyer"]["name"] == "Ada"
        assert reader.next(timeout=5, skip_heartbeats=False) == ("part", {"hasNext": True})  # heartbeat

        kind, ended = reader.next(timeout=40)
        assert kind == "part", ended
        assert [e["extensions"]["code"] for e in ended["errors"]] == ["UNAUTHENTICATED"], ended
        assert ended["hasNext"] is True
        assert reader.next() == ("part", {"hasNext": False})
        assert reader.next() == ("part", None)  # the closing delimiter
        assert reader.next() == ("closed", None)


async def test_authorization_is_the_subgraphs_per_event(platform: Platform, products: Products) -> None:
    buyer, _, _, order_id = await order_with_people(platform, products)
    await confirmed(platform, order_id, buyer)
    stranger = str(uuid.uuid4())
    async with graphql_ws(f"{platform.router_url}/graphql", headers=platform.headers(stranger)) as ws:
        await ws.init()
        op = await ws.subscribe(TRACK, {"id": order_id})
        refused = await ws.next(op)
        assert refused["type"] == "next", refused
        assert [e["extensions"]["code"] for e in refused["payload"]["errors"]] == ["FORBIDDEN"]
        assert (await ws.next(op))["type"] == "complete"

    # a bad token in connection_init closes the socket with 4403
    async with graphql_ws(f"{platform.router_url}/graphql") as ws:
        await ws.socket.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
        code, _ = await asyncio.wait_for(ws.closed, 10)
        assert code == 4403

    # a token that expires ends the stream (the subgraph's timer), through the router
    async with graphql_ws(f"{platform.router_url}/graphql") as ws:
        await ws.init({"Authorization": platform.headers(buyer, ttl=2)["Authorization"]})
        op = await ws.subscribe(TRACK, {"id": order_id})
        ended = await ws.next(op, timeout=15)
        assert [e["extensions"]["code"] for e in ended["payload"]["errors"]] == ["UNAUTHENTICATED"]
        assert (await ws.next(op))["type"] == "complete"


async def test_protocol_errors_and_validation(platform: Platform) -> None:
    async with graphql_ws(f"{platform.router_url}/graphql") as ws:
        await ws.socket.send_json({"id": "1", "type": "subscribe", "payload": {"query": TRACK}})
        code, _ = await asyncio.wait_for(ws.closed, 10)
        assert code == 4401  # subscribe before connection_init
    async with graphql_ws(f"{platform.router_url}/graphql") as ws:
        await ws.init()
        op = await ws.subscribe("subscription { orderUpdated(id: 1) { nope } }")
        error = await ws.next(op)
        assert error["type"] == "error"
        assert error["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        # the connection stays usable
        await ws.socket.send_json({"type": "ping"})
        assert (await asyncio.wait_for(ws.other.get(), 5))["type"] == "pong"


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    return dict(message["payload"])
