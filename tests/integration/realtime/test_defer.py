"""Given ``supergraph.defer_support``, a query with ``@defer`` is delivered in parts, by the client's Accept.

The primary part (the order's own fields, from orders) comes first; the deferred fragment (the
buyer's name from users, the products' names from products) follows in the format the client asked
for: Apollo's ``deferSpec=20220824`` over multipart, the incremental delivery RFC's ``v0.2`` over SSE.
Without a streaming Accept the same query is one ordinary response.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.orders.products import Products
from tests.integration.realtime.clients import multipart_parts, sse_events
from tests.integration.realtime.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.router]

QUERY = """
query Track($id: ID!, $late: Boolean! = true) {
  order(id: $id) {
    id status
    ... @defer(label: "people") { buyer { name } items { product { name } } }
    ... @defer(if: $late) { total { currency } }
  }
}
"""


async def an_order(platform: Platform, products: Products) -> tuple[str, str]:
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=1200)
    return buyer, platform.create_order(buyer, product)


def post(platform: Platform, buyer: str, accept: str, variables: dict[str, Any]) -> httpx.Response:
    headers = {**platform.headers(buyer), "Accept": accept}
    return httpx.post(f"{platform.router_url}/graphql", json={"query": QUERY, "variables": variables}, headers=headers)


async def test_multipart_defer_spec_20220824(platform: Platform, products: Products) -> None:
    buyer, order_id = await an_order(platform, products)
    response = post(platform, buyer, "multipart/mixed;deferSpec=20220824, application/json", {"id": order_id})
    assert response.status_code == 200
    assert response.headers["content-type"] == 'multipart/mixed;boundary="-";deferSpec="20220824"'
    parts = [p for p in multipart_parts(_Body(response.content), boundary="-") if p is not None]
    first, rest = parts[0], parts[1:]
    assert first == {"data": {"order": {"id": order_id, "status": "PENDING"}}, "hasNext": True}
    incremental = [item for part in rest for item in part["incremental"]]
    assert rest[-1]["hasNext"] is False
    people = next(item for item in incremental if item.get("label") == "people")
    assert people["path"] == ["order"]
    assert people["data"]["buyer"] == {"name": "Ada"}
    assert people["data"]["items"][0]["product"]["name"]
    total = next(item for item in incremental if "label" not in item)
    assert total == {"data": {"total": None}, "path": ["order"]}  # not priced yet: null, in its own part


async def test_sse_incremental_spec_v0_2_and_defer_if_false(platform: Platform, products: Products) -> None:
    buyer, order_id = await an_order(platform, products)
    response = post(platform, buyer, "text/event-stream", {"id": order_id, "late": False})
    assert response.status_code == 200
    events = list(sse_events(_Body(response.content)))
    assert events[-1] == ("complete", "")
    payloads = [json.loads(data) for kind, data in events if kind == "next"]
    first = payloads[0]
    # @defer(if: false): the total is in the primary part
    assert first["data"] == {"order": {"id": order_id, "status": "PENDING", "total": None}}
    assert first["pending"] == [{"id": "0", "path": ["order"], "label": "people"}]
    assert first["hasNext"] is True
    later = payloads[1]
    assert later["incremental"][0]["id"] == "0"
    assert later["incremental"][0]["data"]["buyer"] == {"name": "Ada"}
    assert later["completed"] == [{"id": "0"}]
    assert later["hasNext"] is False


async def test_without_a_streaming_accept_one_ordinary_response(platform: Platform, products: Products) -> None:
    buyer, order_id = await an_order(platform, products)
    response = post(platform, buyer, "application/json", {"id": order_id})
    assert response.status_code == 200
    order = response.json()["data"]["order"]
    assert order["buyer"] == {"name": "Ada"}
    assert order["status"] == "PENDING"
    assert "total" in order


class _Body:
    """A complete body read back the way the streaming readers read a live response."""

    def __init__(self, content: bytes) -> None:
        self.content = content

    def iter_raw(self) -> list[bytes]:
        return [self.content]

    def iter_lines(self) -> list[str]:
        return self.content.decode().split("\n")


async def test_a_query_without_defer_asking_for_multipart_gets_plain_json(platform: Platform) -> None:
    accept = "multipart/mixed;deferSpec=20220824, application/json"
    response = httpx.post(
        f"{platform.router_url}/graphql", json={"query": "{ __typename }"}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"__typename": "Query"}}
