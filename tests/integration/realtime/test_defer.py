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
from tests.integration.realtime.platform import CREATE_ORDER, Platform

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


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """The parts of a ``deferSpec=20220824`` or ``incrementalSpec=v0.2`` stream merged into one result."""
    result: dict[str, Any] = {"data": parts[0]["data"]}
    paths = {entry["id"]: entry["path"] for part in parts for entry in part.get("pending", ())}
    for part in parts[1:]:
        for item in part.get("incremental", ()):
            target: Any = result["data"]
            for key in item["path"] if "path" in item else paths[item["id"]]:
                target = target[key]
            target.update(item["data"])
            result.setdefault("errors", []).extend(item.get("errors", ()))
        for completed in part.get("completed", ()):
            result.setdefault("errors", []).extend(completed.get("errors", ()))
    if not result.get("errors"):
        result.pop("errors", None)
    return result


@pytest.mark.parametrize("accept", ["multipart/mixed;deferSpec=20220824, application/json", "text/event-stream"])
async def test_deferred_parts_on_an_entity_start_from_the_primary_results(
    platform: Platform, products: Products, accept: str
) -> None:
    """The deferred fragments on ``order`` are ``_entities`` fetches of the order the primary part
    fetched (its ``__typename`` and key, which the client never sees), not ``order(id:)`` again;
    merged, the parts are the same result as the query without ``@defer``."""
    buyer, order_id = await an_order(platform, products)
    orders, users = platform.received["orders"], platform.received["users"]
    plain = post(platform, buyer, "application/json", {"id": order_id}).json()
    assert "errors" not in plain
    orders.queries.clear()
    users.queries.clear()
    response = post(platform, buyer, accept, {"id": order_id})
    assert response.status_code == 200
    if accept == "text/event-stream":
        parts = [json.loads(data) for kind, data in sse_events(_Body(response.content)) if kind == "next"]
    else:
        parts = [p for p in multipart_parts(_Body(response.content), boundary="-") if p is not None]
    assert parts[0]["data"] == {"order": {"id": order_id, "status": "PENDING"}}  # no hidden key in sight
    assert _merged(parts) == plain
    # orders: the root field once (the primary part), then one _entities fetch per deferred part
    assert [q for q in orders.queries if "_entities" not in q] == [orders.queries[0]]
    assert "order(id:" in orders.queries[0]
    entity_fetches = [q for q in orders.queries if "_entities" in q]
    assert len(entity_fetches) == 2
    assert all("_entities" in q and "...on Order" in q for q in entity_fetches)
    assert any("buyer" in q and "items" in q for q in entity_fetches)
    assert any("total" in q for q in entity_fetches)
    # users: only the buyer's name, by the buyer's key from the deferred part's orders fetch
    assert len(users.queries) == 1
    assert "_entities" in users.queries[0]
    assert "...on User{name}" in users.queries[0]


LIST_QUERY = """
query Items($id: ID!) {
  order(id: $id) { id items { quantity product { id ... @defer(label: "names") { name price { currency } } } } }
}
"""


async def test_a_deferred_part_below_a_list_reads_each_element_of_the_primary_results(
    platform: Platform, products: Products
) -> None:
    buyer = platform.create_user("Ada")
    first, second = await products.add(stock=5, price=100), await products.add(stock=5, price=200)
    variables = {"items": [{"productId": p, "quantity": 1} for p in (first, second)], "shippingAddress": "1 Main St"}
    body = platform.gql(platform.router_url, CREATE_ORDER, {"input": variables}, platform.headers(buyer))
    order_id = body["data"]["createOrder"]["id"]
    orders = platform.received["orders"]
    request = {"query": LIST_QUERY, "variables": {"id": order_id}}
    url, headers = f"{platform.router_url}/graphql", platform.headers(buyer)
    plain = httpx.post(url, json=request, headers={**headers, "Accept": "application/json"}).json()
    assert "errors" not in plain
    orders.queries.clear()
    response = httpx.post(url, json=request, headers={**headers, "Accept": "text/event-stream"})
    parts = [json.loads(data) for kind, data in sse_events(_Body(response.content)) if kind == "next"]
    assert [entry["path"] for entry in parts[0]["pending"]] == [
        ["order", "items", 0, "product"],
        ["order", "items", 1, "product"],
    ]
    assert _merged(parts) == plain
    assert len(orders.queries) == 1  # the primary part; the names come from products by the hidden keys


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
