"""A buyer's and a seller's journey through the router, on real subgraphs, database and broker."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.stages import ROOT
from tests.support.stack import RunningStack

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def graphql(stack: RunningStack, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{stack.url('router')}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()


def sign_up(stack: RunningStack, name: str) -> tuple[str, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    created = graphql(
        stack,
        "mutation($input: CreateUserInput!) { createUser(input: $input) { id email } }",
        {"input": {"email": email, "name": name, "password": "correct horse battery staple"}},
    )
    assert "errors" not in created, created
    user_id = created["data"]["createUser"]["id"]
    auth = graphql(
        stack,
        "mutation($id: ID!, $pw: String) { authenticate(userId: $id, password: $pw) { accessToken tokenType } }",
        {"id": user_id, "pw": "correct horse battery staple"},
    )
    assert "errors" not in auth, auth
    return user_id, auth["data"]["authenticate"]["accessToken"]


def test_a_buyer_orders_a_sellers_product_and_tracks_it_through_the_router(platform: RunningStack) -> None:
    seller_id, seller_token = sign_up(platform, "Seller")
    buyer_id, buyer_token = sign_up(platform, "Buyer")
    product = graphql(
        platform,
        """mutation($input: CreateProductInput!) {
             createProduct(input: $input) { id name price { amount currency } stock seller { id name } }
           }""",
        {
            "input": {
                "name": "Walnut desk",
                "description": "Solid walnut, 140 cm",
                "price": {"amount": 45000, "currency": "EUR"},
                "stock": 3,
                "category": "furniture",
            }
        },
        seller_token,
    )
    assert "errors" not in product, product
    created = product["data"]["createProduct"]
    assert created["seller"] == {"id": seller_id, "name": "Seller"}  # an entity hop: products -> users

    order = graphql(
        platform,
        """mutation($input: CreateOrderInput!, $key: String) {
             createOrder(input: $input, idempotencyKey: $key) { id status }
           }""",
        {
            "input": {"items": [{"productId": created["id"], "quantity": 2}], "shippingAddress": "1 Main St, Paris"},
            "key": uuid.uuid4().hex,
        },
        buyer_token,
    )
    assert "errors" not in order, order
    assert order["data"]["createOrder"]["status"] == "PENDING"
    order_id = order["data"]["createOrder"]["id"]

    query = """query($id: ID!) {
      order(id: $id) {
        status total { amount currency }
        buyer { id name }
        items { quantity product { name stock seller { name } } }
      }
    }"""
    deadline = time.monotonic() + 60
    while True:
        seen = graphql(platform, query, {"id": order_id}, buyer_token)
        assert "errors" not in seen, seen
        if seen["data"]["order"]["status"] != "PENDING" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    order_view = seen["data"]["order"]
    assert order_view["status"] == "CONFIRMED", order_view
    assert order_view["total"] == {"amount": 90000, "currency": "EUR"}
    assert order_view["buyer"] == {"id": buyer_id, "name": "Buyer"}
    assert order_view["items"] == [
        {"quantity": 2, "product": {"name": "Walnut desk", "stock": 1, "seller": {"name": "Seller"}}}
    ]


def test_anonymous_callers_cannot_read_orders_or_profiles(platform: RunningStack) -> None:
    result = graphql(platform, "{ me { id } }")
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_buyer_follows_the_order_live_over_sse_as_marketplace_up_runs_it(platform: RunningStack) -> None:
    """The launched platform as a newcomer runs it: the trigger migrated, the router composed with the
    Subscription type, the change made by the worker and by the API reaching an SSE client."""
    import threading

    from tests.integration.realtime.clients import sse_events

    seller_id, seller_token = sign_up(platform, "Seller")
    _, buyer_token = sign_up(platform, "Buyer")
    product = graphql(
        platform,
        "mutation($i: CreateProductInput!) { createProduct(input: $i) { id } }",
        {
            "i": {
                "name": "Lamp",
                "description": "d",
                "price": {"amount": 900, "currency": "EUR"},
                "stock": 3,
                "category": "home",
            }
        },
        seller_token,
    )["data"]["createProduct"]["id"]
    statuses: list[str] = []
    subscribed = threading.Event()

    def follow(order_id: str) -> None:
        body = {"query": f'subscription {{ orderUpdated(id: "{order_id}") {{ status buyer {{ name }} }} }}'}
        headers = {"Authorization": f"Bearer {buyer_token}", "Accept": "text/event-stream"}
        with httpx.stream("POST", f"{platform.url('router')}/graphql", json=body, headers=headers, timeout=60) as r:
            subscribed.set()
            for kind, data in sse_events(r):
                if kind == "next":
                    statuses.append(httpx.Response(200, content=data).json()["data"]["orderUpdated"]["status"])
                    if statuses[-1] == "CANCELLED":
                        return

    order = graphql(
        platform,
        "mutation($i: CreateOrderInput!) { createOrder(input: $i) { id } }",
        {"i": {"items": [{"productId": product, "quantity": 1}], "shippingAddress": "1 Main St"}},
        buyer_token,
    )["data"]["createOrder"]["id"]
    reader = threading.Thread(target=follow, args=(order,), daemon=True)
    reader.start()
    assert subscribed.wait(30)
    deadline = time.monotonic() + 60
    status_query = "query($id: ID!) { order(id: $id) { status } }"
    while graphql(platform, status_query, {"id": order}, buyer_token)["data"]["order"]["status"] == "PENDING":
        assert time.monotonic() < deadline, "the worker did not process the order"
        time.sleep(0.2)
    time.sleep(1.0)  # the subscription has reached the orders subgraph
    cancelled = graphql(platform, "mutation($id: ID!) { deleteOrder(id: $id) { status } }", {"id": order}, buyer_token)
    assert "errors" not in cancelled, cancelled
    reader.join(30)
    assert statuses[-1] == "CANCELLED", statuses  # the API's change, through NOTIFY, the router, SSE
    assert set(statuses) <= {"CONFIRMED", "CANCELLED"}  # the worker's, if it came after the subscription
    del seller_id


def smoke(url: str) -> subprocess.CompletedProcess[str]:
    """deploy/k8s/smoke.sh, which decides whether the deploy job rolls back."""
    for program in ("bash", "curl", "jq"):
        assert shutil.which(program), f"smoke.sh needs {program}"
    script = ROOT / "deploy" / "k8s" / "smoke.sh"
    return subprocess.run(["bash", str(script), url], capture_output=True, text=True, timeout=120, check=False)


def test_the_deploy_smoke_test_passes_on_the_platform(platform: RunningStack) -> None:
    result = smoke(platform.url("router") + "/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"smoke test passed: {platform.url('router')}" in result.stdout


def test_the_deploy_smoke_test_fails_where_the_graphql_query_does_not_answer(platform: RunningStack) -> None:
    # the users subgraph is ready and speaks GraphQL, but has no products field
    result = smoke(platform.url("users"))
    assert result.returncode != 0
    assert "GraphQL smoke query failed" in result.stdout + result.stderr
