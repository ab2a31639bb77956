"""Given a legacy client on ``GET /orders/{id}/events``, when the order changes anywhere, it gets an SSE event.

The route is declared like every REST route (a ``@rest`` subscription in router/rest/operations) and
described in the OpenAPI document as a text/event-stream.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from tests.integration.orders.products import Products
from tests.integration.realtime.clients import sse_events
from tests.integration.realtime.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.orders, pytest.mark.router]


async def test_order_events_stream_the_order_as_rest_shows_it(platform: Platform, products: Products) -> None:
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=700)
    order_id = platform.create_order(buyer, product)
    url = f"{platform.router_url}/orders/{order_id}/events"
    events: list[tuple[str, str]] = []

    def follow() -> None:
        with httpx.stream("GET", url, headers=platform.headers(buyer), timeout=30) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            for event in sse_events(response):
                events.append(event)
                if event[0] == "update" and json.loads(event[1])["status"] == "CANCELLED":
                    return

    reader = asyncio.create_task(asyncio.to_thread(follow))
    await platform.followed(order_id)
    cancel = httpx.delete(f"{platform.router_url}/orders/{order_id}", headers=platform.headers(buyer))
    assert cancel.status_code == 200, cancel.text
    await asyncio.wait_for(reader, 30)
    updates = [json.loads(data) for kind, data in events if kind == "update"]
    rest_view = httpx.get(f"{platform.router_url}/orders/{order_id}", headers=platform.headers(buyer)).json()
    assert updates[-1] == rest_view  # the same JSON as GET /orders/{id}
    assert updates[-1]["status"] == "CANCELLED"


async def test_order_events_refusals_are_problems(platform: Platform, products: Products) -> None:
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=700)
    order_id = platform.create_order(buyer, product)
    url = f"{platform.router_url}/orders/{order_id}/events"
    anonymous = httpx.get(url, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    stranger = httpx.get(url, headers=platform.headers(str(uuid.uuid4())), timeout=10)
    assert stranger.status_code == 403
    unknown = httpx.get(f"{platform.router_url}/orders/{uuid.uuid4()}/events", headers=platform.headers(buyer))
    assert unknown.status_code == 404
    bad_token = httpx.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert bad_token.status_code == 401


def test_order_events_is_in_the_openapi_document(platform: Platform) -> None:
    document = httpx.get(f"{platform.router_url}/openapi.json").json()
    route = document["paths"]["/orders/{id}/events"]["get"]
    assert route["operationId"] == "OrderEvents"
    content = route["responses"]["200"]["content"]
    assert list(content) == ["text/event-stream"]
    assert content["text/event-stream"]["x-itemSchema"]  # the order, as the JSON routes describe it
    assert route["parameters"][0]["name"] == "id"
