"""Every REST route through the real router (as `marketplace up` starts it) and the real subgraphs,
database, broker and workers.

A legacy client's whole session (the one docs/rest.md shows with curl): sign up, log in, check a
token, sell a product, find it, order it, follow the order until the worker confirms it, ship it,
cancel another order, and clean up. Then schemathesis against the same server.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from schemathesis import GenerationMode

from tests.integration.rest.conformance import conformance_hook
from tests.integration.rest.fuzz import fuzz
from tests.integration.rest.real_stack import embedded_redis
from tests.support.stack import running_platform

pytestmark = [pytest.mark.router, pytest.mark.integration, pytest.mark.e2e]

PASSWORD = "correct horse battery staple"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def rest(tmp_path_factory: pytest.TempPathFactory, private_database_url: str) -> Iterator[httpx.Client]:
    data_dir = Path(tmp_path_factory.mktemp("rest-platform"))
    # A broker of its own: the platform's workers use the default queue names, and on a shared Redis
    # another platform's workers could take this one's messages.
    with (
        embedded_redis(data_dir / "redis") as broker_url,
        running_platform(data_dir, database_url=private_database_url, broker_url=broker_url) as stack,
        httpx.Client(base_url=stack.url("router"), timeout=30) as client,
    ):
        conformance = conformance_hook(client)  # every response below is checked against /openapi.json
        yield client
    assert conformance.checked > 0


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def sign_up(rest: httpx.Client, name: str) -> tuple[str, str, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    created = rest.post("/users", json={"email": email, "name": name, "password": PASSWORD})
    user = ok(created, 201)
    assert created.headers["location"] == f"/users/{user['id']}"
    tokens = ok(rest.post(f"/users/{user['id']}/auth", json={"password": PASSWORD}))
    return user["id"], email, tokens["accessToken"]


def processed(rest: httpx.Client, location: str, token: str) -> dict[str, Any]:
    """The order at ``location`` once the worker has handled it (or as it is after 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        order: dict[str, Any] = ok(rest.get(location, headers=bearer(token)))
        if order["status"] != "PENDING" or time.monotonic() > deadline:
            return order
        time.sleep(0.5)


def test_a_legacy_client_walks_every_route(rest: httpx.Client) -> None:
    # Users: sign up, log in, rotate the refresh token, check credentials, read and change the account.
    seller_id, seller_email, seller = sign_up(rest, "Seller")
    buyer_id, _, buyer = sign_up(rest, "Buyer")
    login = ok(rest.post(f"/users/{buyer_id}/auth", json={"password": PASSWORD}))
    assert login["tokenType"].lower() == "bearer"
    rotated = ok(rest.post(f"/users/{buyer_id}/auth", json={"refreshToken": login["refreshToken"]}))
    assert rotated["refreshToken"] != login["refreshToken"]
    problem(rest.post(f"/users/{buyer_id}/auth", json={"password": "wrong password"}), 401, "UNAUTHENTICATED")
    assert ok(rest.post(f"/users/{buyer_id}/auth-valid", headers=bearer(buyer)))["valid"] is True
    assert ok(rest.post(f"/users/{buyer_id}/auth-valid", json={"token": buyer}))["valid"] is True
    assert ok(rest.post(f"/users/{buyer_id}/auth-valid", json={"token": "not-a-token"}))["valid"] is False
    assert ok(rest.post(f"/users/{buyer_id}/auth-valid", json={"password": PASSWORD}))["valid"] is True
    me = ok(rest.get(f"/users/{seller_id}", headers=bearer(seller)))
    assert (me["id"], me["email"], me["name"]) == (seller_id, seller_email, "Seller")
    replaced = ok(
        rest.put(
            f"/users/{seller_id}",
            json={"email": seller_email, "name": "Seller & Co", "password": PASSWORD},
            headers=bearer(seller),
        )
    )
    assert replaced["name"] == "Seller & Co"
    assert ok(rest.patch(f"/users/{seller_id}", json={"name": "Seller"}, headers=bearer(seller)))["name"] == "Seller"
    problem(rest.patch(f"/users/{seller_id}", json={"name": "Mallory"}, headers=bearer(buyer)), 403, "FORBIDDEN")

    # Products: sell, read (with ETag), replace, patch, list with filters and pages.
    category = f"desks-{uuid.uuid4().hex[:6]}"
    body = {
        "name": "Walnut desk",
        "description": "Solid walnut, 140 cm",
        "price": {"amount": 45000, "currency": "EUR"},
        "stock": 3,
        "category": category,
    }
    created = rest.post("/products", json=body, headers=bearer(seller))
    product = ok(created, 201)
    assert created.headers["location"] == f"/products/{product['id']}"
    assert product["seller"] == {"id": seller_id, "name": "Seller"}  # resolved by the users subgraph
    read = rest.get(created.headers["location"])
    assert ok(read) == product
    assert rest.get(created.headers["location"], headers={"If-None-Match": read.headers["etag"]}).status_code == 304
    full = {**body, "name": "Walnut desk, oiled", "stock": 5}
    assert ok(rest.put(f"/products/{product['id']}", json=full, headers=bearer(seller)))["stock"] == 5
    assert ok(rest.patch(f"/products/{product['id']}", json={"stock": 4}, headers=bearer(seller)))["stock"] == 4
    problem(rest.patch(f"/products/{product['id']}", json={"stock": 0}, headers=bearer(buyer)), 403)
    lamp = ok(
        rest.post(
            "/products",
            json={**body, "name": "Desk lamp", "price": {"amount": 2500, "currency": "EUR"}},
            headers=bearer(seller),
        ),
        201,
    )
    page = rest.get("/products", params={"category": category, "limit": 1})
    listing = ok(page)
    assert (listing["totalCount"], listing["limit"], listing["offset"]) == (2, 1, 0)
    assert page.links["next"]["url"].endswith(f"/products?category={category}&limit=1&offset=1")
    cheap = ok(rest.get("/products", params={"category": category, "maxPrice": 3000, "inStock": "true"}))
    assert [p["id"] for p in cheap["items"]] == [lamp["id"]]
    mine = ok(rest.get("/products", params={"sellerId": seller_id, "q": "oiled"}))
    assert [p["id"] for p in mine["items"]] == [product["id"]]
    assert "'limit'" in problem(rest.get("/products", params={"limit": "abc"}), 400, "BAD_USER_INPUT")["detail"]
    problem(rest.get("/products", params={"limit": 500}), 400, "BAD_USER_INPUT")  # stated in /openapi.json

    # Orders: queue one (idempotently), follow it until confirmed, change it, ship it.
    order_body = {"items": [{"productId": product["id"], "quantity": 2}], "shippingAddress": "1 Main St, Paris"}
    key = uuid.uuid4().hex
    queued = rest.post("/orders", json=order_body, headers={**bearer(buyer), "Idempotency-Key": key})
    order = ok(queued, 202)
    assert order["status"] == "PENDING"
    assert queued.headers["location"] == f"/orders/{order['id']}"
    again = rest.post("/orders", json=order_body, headers={**bearer(buyer), "Idempotency-Key": key})
    assert ok(again, 202)["id"] == order["id"]
    tracked = processed(rest, queued.headers["location"], buyer)
    assert tracked["status"] == "CONFIRMED", tracked
    assert tracked["total"] == {"amount": 90000, "currency": "EUR"}
    assert tracked["buyer"] == {"id": buyer_id, "name": "Buyer"}
    assert tracked["items"][0]["quantity"] == 2
    assert [e["status"] for e in tracked["events"]][:2] == ["PENDING", "CONFIRMED"]
    moved = ok(rest.put(f"/orders/{order['id']}", json={"shippingAddress": "2 Rue Neuve"}, headers=bearer(buyer)))
    assert moved["shippingAddress"] == "2 Rue Neuve"
    assert ok(rest.patch(f"/orders/{order['id']}", json={"status": "PAID"}, headers=bearer(seller)))["status"] == "PAID"
    shipped = ok(
        rest.patch(
            f"/orders/{order['id']}",
            json={"status": "SHIPPED", "tracking": {"carrier": "DHL", "trackingNumber": "JD014600"}},
            headers=bearer(seller),
        )
    )
    assert shipped["tracking"]["carrier"] == "DHL"
    problem(rest.delete(f"/orders/{order['id']}", headers=bearer(buyer)), 409, "CONFLICT")

    # Cancel another order (once processed: a worker racing the cancel would make it a 409); it stays readable.
    other = ok(rest.post("/orders", json=order_body, headers=bearer(buyer)), 202)
    processed(rest, f"/orders/{other['id']}", buyer)
    cancelled = ok(rest.delete(f"/orders/{other['id']}", headers=bearer(buyer)))
    assert cancelled["status"] == "CANCELLED"
    problem(rest.get(f"/orders/{other['id']}"), 401, "UNAUTHENTICATED")

    # Clean up: withdraw the lamp, delete the buyer's account.
    assert rest.delete(f"/products/{lamp['id']}", headers=bearer(seller)).status_code == 204
    problem(rest.get(f"/products/{lamp['id']}"), 404, "NOT_FOUND")
    assert rest.delete(f"/users/{buyer_id}", headers=bearer(buyer)).status_code == 204

    # The HTTP surface around the routes.
    problem(rest.get("/orders/1/items"), 404)
    assert problem(rest.delete("/products"), 405)["status"] == 405
    assert ok(rest.get("/openapi.json"))["openapi"] == "3.1.0"


def test_schemathesis_finds_no_server_errors_and_no_broken_promises(rest: httpx.Client) -> None:
    _, _, token = sign_up(rest, "Fuzzer")
    failures = fuzz(
        f"{rest.base_url}/openapi.json",
        headers=bearer(token),
        max_examples=10,
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )
    assert not failures, "\n\n".join(failures)
