"""Every REST route over real HTTP, against the contract backend: statuses, headers and bodies."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.integration.rest.conftest import RestServer

pytestmark = [pytest.mark.router, pytest.mark.integration]

PASSWORD = "correct horse battery staple"
PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(server: RestServer, name: str) -> tuple[str, str]:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    created = server.client.post("/users", json={"email": email, "name": name, "password": PASSWORD})
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]
    login = server.client.post(f"/users/{user_id}/auth", json={"password": PASSWORD})
    assert login.status_code == 200, login.text
    return user_id, login.json()["accessToken"]


def new_product(server: RestServer, token: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "Walnut desk",
        "description": "Solid walnut, 140 cm",
        "price": {"amount": 45000, "currency": "EUR"},
        "stock": 3,
        "category": "furniture",
        **overrides,
    }
    response = server.client.post("/products", json=body, headers=bearer(token))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("urn:marketplace:problem:")
    assert isinstance(body["detail"], str)
    assert isinstance(body["errors"], list)
    if code is not None:
        assert body["code"] == code
    return body


def test_users_create_read_replace_patch_delete(rest_server: RestServer) -> None:
    client = rest_server.client
    email = f"ada-{uuid.uuid4().hex[:8]}@example.com"
    created = client.post("/users", json={"email": email, "name": "Ada", "password": PASSWORD})
    assert created.status_code == 201
    user = created.json()
    assert created.headers["location"] == f"/users/{user['id']}"
    assert set(user) == {"id", "email", "name", "role", "createdAt", "updatedAt"}
    token = client.post(f"/users/{user['id']}/auth", json={"password": PASSWORD}).json()["accessToken"]

    read = client.get(f"/users/{user['id']}", headers=bearer(token))
    assert read.status_code == 200
    assert read.json() == user

    replaced = client.put(
        f"/users/{user['id']}",
        json={"email": email, "name": "Ada Lovelace", "password": PASSWORD + "!"},
        headers=bearer(token),
    )
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Ada Lovelace"

    patched = client.patch(f"/users/{user['id']}", json={"name": "Countess"}, headers=bearer(token))
    assert patched.status_code == 200
    assert patched.json()["name"] == "Countess"
    assert patched.json()["email"] == email

    deleted = client.delete(f"/users/{user['id']}", headers=bearer(token))
    assert deleted.status_code == 204
    assert deleted.content == b""


def test_put_requires_every_field_but_patch_does_not(rest_server: RestServer) -> None:
    user_id, token = sign_up(rest_server, "Partial")
    response = rest_server.client.put(f"/users/{user_id}", json={"name": "Only a name"}, headers=bearer(token))
    body = assert_problem(response, 400, "BAD_USER_INPUT")
    assert "email" in body["detail"]
    assert rest_server.client.patch(f"/users/{user_id}", json={"name": "x"}, headers=bearer(token)).status_code == 200


def test_auth_with_password_then_refresh_token(rest_server: RestServer) -> None:
    user_id, _ = sign_up(rest_server, "Refresher")
    first = rest_server.client.post(f"/users/{user_id}/auth", json={"password": PASSWORD}).json()
    assert set(first) == {"accessToken", "refreshToken", "tokenType", "expiresIn"}
    rotated = rest_server.client.post(f"/users/{user_id}/auth", json={"refreshToken": first["refreshToken"]})
    assert rotated.status_code == 200
    assert rotated.json()["refreshToken"] != first["refreshToken"]
    reused = rest_server.client.post(f"/users/{user_id}/auth", json={"refreshToken": first["refreshToken"]})
    problem = assert_problem(reused, 401, "UNAUTHENTICATED")
    assert reused.headers["www-authenticate"] == "Bearer"
    assert problem["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_auth_valid_takes_a_bearer_header_a_token_or_a_password(rest_server: RestServer) -> None:
    user_id, token = sign_up(rest_server, "Checker")
    client = rest_server.client
    by_header = client.post(f"/users/{user_id}/auth-valid", headers=bearer(token))
    assert by_header.status_code == 200, by_header.text
    assert by_header.json()["valid"] is True
    # The header was the credential to check, so it was not also passed on as the caller's identity.
    operation, variables, headers = rest_server.backend.store.calls[-1]
    assert operation == "ValidateCredentials"
    assert variables == {"id": user_id, "token": token}
    assert "authorization" not in {k.lower() for k in headers}

    by_body = client.post(f"/users/{user_id}/auth-valid", json={"token": token})
    assert by_body.json() == by_header.json() | {"expiresAt": by_body.json()["expiresAt"]}
    assert client.post(f"/users/{user_id}/auth-valid", json={"token": "nope"}).json() == {
        "valid": False,
        "expiresAt": None,
    }
    assert client.post(f"/users/{user_id}/auth-valid", json={"password": PASSWORD}).json()["valid"] is True
    assert client.post(f"/users/{user_id}/auth-valid", json={"password": "wrong"}).json()["valid"] is False
    # With a token in the body, the Authorization header is the caller's own credential, passed on.
    _, other_token = sign_up(rest_server, "Caller")
    checked = client.post(f"/users/{user_id}/auth-valid", json={"token": token}, headers=bearer(other_token))
    assert checked.json()["valid"] is True
    _, variables, headers = rest_server.backend.store.calls[-1]
    assert variables == {"id": user_id, "token": token}
    assert headers["authorization"] == f"Bearer {other_token}"
    basic = client.post(f"/users/{user_id}/auth-valid", headers={"Authorization": "Basic abc"})
    assert "Bearer" in assert_problem(basic, 400)["detail"]


def test_failed_logins_are_rate_limited_with_retry_after(rest_server: RestServer) -> None:
    user_id, _ = sign_up(rest_server, "Forgetful")
    for _ in range(5):
        assert rest_server.client.post(f"/users/{user_id}/auth", json={"password": "nope"}).status_code == 401
    limited = rest_server.client.post(f"/users/{user_id}/auth", json={"password": PASSWORD})
    assert_problem(limited, 429, "RATE_LIMITED")
    assert limited.headers["retry-after"] == "30"


def test_products_create_read_replace_patch_delete(rest_server: RestServer) -> None:
    _, token = sign_up(rest_server, "Seller")
    product = new_product(rest_server, token)
    client = rest_server.client
    assert product["price"] == {"amount": 45000, "currency": "EUR"}
    assert product["seller"]["name"] == "Seller"
    read = client.get(f"/products/{product['id']}")
    assert read.status_code == 200
    assert read.json() == product

    full = {
        "name": "Oak desk",
        "description": "Oak",
        "price": {"amount": 30000, "currency": "EUR"},
        "stock": 1,
        "category": "furniture",
    }
    replaced = client.put(f"/products/{product['id']}", json=full, headers=bearer(token))
    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Oak desk"
    missing_stock = {k: v for k, v in full.items() if k != "stock"}
    assert_problem(client.put(f"/products/{product['id']}", json=missing_stock, headers=bearer(token)), 400)

    patched = client.patch(f"/products/{product['id']}", json={"stock": 7}, headers=bearer(token))
    assert patched.json()["stock"] == 7
    assert patched.json()["name"] == "Oak desk"

    _, stranger = sign_up(rest_server, "Stranger")
    assert_problem(client.patch(f"/products/{product['id']}", json={"stock": 0}, headers=bearer(stranger)), 403)
    assert_problem(client.patch(f"/products/{product['id']}", json={"stock": 0}), 401)

    assert client.delete(f"/products/{product['id']}", headers=bearer(token)).status_code == 204
    assert_problem(client.get(f"/products/{product['id']}"), 404, "NOT_FOUND")
    assert_problem(client.delete(f"/products/{product['id']}", headers=bearer(token)), 404, "NOT_FOUND")


def test_product_list_filters_pages_and_links(rest_server: RestServer) -> None:
    seller_id, token = sign_up(rest_server, "Lister")
    category = f"lamps-{uuid.uuid4().hex[:6]}"
    for index in range(5):
        new_product(
            rest_server,
            token,
            name=f"Lamp {index}",
            category=category,
            price={"amount": 1000 * index, "currency": "EUR"},
            stock=index % 2,
        )
    client = rest_server.client
    page = client.get("/products", params={"category": category, "limit": 2, "offset": 2})
    assert page.status_code == 200
    body = page.json()
    assert [p["name"] for p in body["items"]] == ["Lamp 2", "Lamp 3"]
    assert (body["totalCount"], body["limit"], body["offset"], body["hasNextPage"]) == (5, 2, 2, True)
    links = {link["rel"]: link["url"] for link in page.links.values()}
    assert links["next"].endswith(f"/products?category={category}&limit=2&offset=4")
    assert links["prev"].endswith(f"/products?category={category}&limit=2&offset=0")
    assert links["first"].endswith("offset=0")
    assert links["last"].endswith("offset=4")

    last = client.get("/products", params={"category": category, "limit": 2, "offset": 4})
    assert {link["rel"] for link in last.links.values()} == {"first", "prev", "last"}

    cheap = client.get("/products", params={"category": category, "maxPrice": 1500, "inStock": "false"}).json()
    assert [p["name"] for p in cheap["items"]] == ["Lamp 0"]
    mine = client.get("/products", params={"sellerId": seller_id, "q": "lamp 4"}).json()
    assert [p["name"] for p in mine["items"]] == ["Lamp 4"]


def test_query_parameters_are_coerced_and_refused_by_name(rest_server: RestServer) -> None:
    client = rest_server.client
    bad = assert_problem(client.get("/products", params={"limit": "abc"}), 400, "BAD_USER_INPUT")
    assert "'limit'" in bad["detail"]
    assert bad["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "parameter": "limit", "in": "query"}
    assert "'inStock'" in assert_problem(client.get("/products", params={"inStock": "maybe"}), 400)["detail"]
    assert "'catgory'" in assert_problem(client.get("/products", params={"catgory": "x"}), 400)["detail"]
    # limit's maximum is stated in /openapi.json (constraints.yaml): the REST layer refuses it, a 400
    too_big = assert_problem(client.get("/products", params={"limit": 500}), 400, "BAD_USER_INPUT")
    assert "limit" in too_big["detail"]


def test_bodies_are_checked_before_anything_runs(rest_server: RestServer) -> None:
    client = rest_server.client
    calls = len(rest_server.backend.store.calls)
    malformed = client.post("/users", content=b'{"email": ', headers={"content-type": "application/json"})
    assert "not valid JSON" in assert_problem(malformed, 400)["detail"]
    unknown = client.post("/users", json={"email": "a@b.c", "name": "A", "password": PASSWORD, "admin": True})
    assert "admin" in assert_problem(unknown, 400)["detail"]
    wrong_type = client.post("/users", json={"email": "a@b.c", "name": 5, "password": PASSWORD})
    assert "'name'" in assert_problem(wrong_type, 400)["detail"]
    assert_problem(client.post("/users", json=[1, 2]), 400)
    assert_problem(client.post("/users"), 400)
    not_json = client.post("/users", content=b"email=a", headers={"content-type": "application/x-www-form-urlencoded"})
    assert_problem(not_json, 415)
    assert len(rest_server.backend.store.calls) == calls


def test_orders_are_queued_tracked_changed_and_cancelled(rest_server: RestServer) -> None:
    _, seller = sign_up(rest_server, "Maker")
    buyer_id, buyer = sign_up(rest_server, "Buyer")
    product = new_product(rest_server, seller)
    client = rest_server.client
    order_body = {"items": [{"productId": product["id"], "quantity": 2}], "shippingAddress": "1 Main St, Paris"}
    key = uuid.uuid4().hex
    queued = client.post("/orders", json=order_body, headers={**bearer(buyer), "Idempotency-Key": key})
    assert queued.status_code == 202, queued.text
    order = queued.json()
    assert order["status"] == "PENDING"
    assert queued.headers["location"] == f"/orders/{order['id']}"
    operation, variables, _ = rest_server.backend.store.calls[-1]
    assert (operation, variables["idempotencyKey"]) == ("CreateOrder", key)

    again = client.post("/orders", json=order_body, headers={**bearer(buyer), "Idempotency-Key": key})
    assert again.status_code == 202
    assert again.json()["id"] == order["id"]
    other = {**order_body, "shippingAddress": "2 Other St"}
    assert_problem(
        client.post("/orders", json=other, headers={**bearer(buyer), "Idempotency-Key": key}), 409, "CONFLICT"
    )

    rest_server.backend.confirm(order["id"])
    tracked = client.get(queued.headers["location"], headers=bearer(buyer)).json()
    assert tracked["status"] == "CONFIRMED"
    assert tracked["total"] == {"amount": 90000, "currency": "EUR"}
    assert tracked["buyer"]["id"] == buyer_id
    assert [e["status"] for e in tracked["events"]] == ["PENDING", "CONFIRMED"]
    assert tracked["items"] == [
        {"product": {"id": product["id"], "name": "Walnut desk"}, "quantity": 2, "unitPrice": product["price"]}
    ]

    tracking = {"carrier": "DHL", "trackingNumber": "JD0001", "trackingUrl": None, "estimatedDelivery": None}
    patched = client.patch(f"/orders/{order['id']}", json={"tracking": tracking}, headers=bearer(buyer))
    assert patched.json()["tracking"] == tracking
    replaced = client.put(f"/orders/{order['id']}", json={"shippingAddress": "3 New St"}, headers=bearer(buyer))
    assert (replaced.json()["shippingAddress"], replaced.json()["status"]) == ("3 New St", "CONFIRMED")
    assert_problem(client.put(f"/orders/{order['id']}", json={"status": "PAID"}, headers=bearer(buyer)), 400)
    paid = client.patch(f"/orders/{order['id']}", json={"status": "PAID"}, headers=bearer(buyer))
    assert paid.json()["status"] == "PAID"
    bad_status = client.patch(f"/orders/{order['id']}", json={"status": "LOST"}, headers=bearer(buyer))
    assert "status" in assert_problem(bad_status, 400)["detail"]
    bad_date = client.patch(
        f"/orders/{order['id']}", json={"tracking": {**tracking, "estimatedDelivery": "soon"}}, headers=bearer(buyer)
    )
    assert "estimatedDelivery" in assert_problem(bad_date, 400)["detail"]

    cancelled = client.delete(f"/orders/{order['id']}", headers=bearer(buyer))
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"
    _, intruder = sign_up(rest_server, "Intruder")
    assert_problem(client.get(f"/orders/{order['id']}", headers=bearer(intruder)), 403, "FORBIDDEN")
    assert_problem(client.get(f"/orders/{uuid.uuid4()}", headers=bearer(buyer)), 404, "NOT_FOUND")


def test_etag_and_if_none_match(rest_server: RestServer) -> None:
    _, token = sign_up(rest_server, "Tagger")
    product = new_product(rest_server, token)
    client = rest_server.client
    first = client.get(f"/products/{product['id']}")
    tag = first.headers["etag"]
    assert tag.startswith('"')
    not_modified = client.get(f"/products/{product['id']}", headers={"If-None-Match": tag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == tag
    assert client.get(f"/products/{product['id']}", headers={"If-None-Match": f"W/{tag}"}).status_code == 304
    client.patch(f"/products/{product['id']}", json={"stock": 99}, headers=bearer(token))
    changed = client.get(f"/products/{product['id']}", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag
    head = client.head(f"/products/{product['id']}")
    assert head.status_code == 200
    assert head.headers["etag"] == changed.headers["etag"]


def test_unknown_routes_and_wrong_methods(rest_server: RestServer) -> None:
    client = rest_server.client
    assert_problem(client.get("/users/1/nothing"), 404, "NOT_FOUND")
    assert_problem(client.get("/products/1/2/3"), 404)
    wrong = client.delete("/products")
    assert_problem(wrong, 405)
    assert wrong.headers["allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.put("/users/1/auth").headers["allow"] == "POST, OPTIONS"
    options = client.options("/orders/1")
    assert options.status_code == 204
    assert options.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT, OPTIONS"


def test_openapi_document_and_docs_page(rest_server: RestServer) -> None:
    client = rest_server.client
    document = client.get("/openapi.json").json()
    assert document["openapi"] == "3.1.0"
    operations = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert len(operations) == 19  # 18 JSON routes and the /orders/{id}/events stream
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert "/openapi.json" in client.get("/docs/init.js").text


@pytest.mark.parametrize("bad", ["\x00", "a\x01b", "\x1b[31m", "x\x7f"])
def test_control_characters_in_any_input_are_a_400(rest_server: RestServer, bad: str) -> None:
    client = rest_server.client
    user_id, token = sign_up(rest_server, "Control")
    for response in (
        client.get("/products", params={"q": bad}),
        client.get(f"/users/{quote(bad)}", headers=bearer(token)),
        client.post("/users", json={"email": "c@example.com", "name": bad, "password": PASSWORD}),
        client.patch(f"/users/{user_id}", json={"name": f"Ada {bad}"}, headers=bearer(token)),
        client.post("/products", json={"name": "Desk", "price": {"amount": 1, "currency": bad}}, headers=bearer(token)),
    ):
        body = assert_problem(response, 400, "BAD_USER_INPUT")
        assert "control characters" in body["detail"], body
    deep: object = "x"
    for _ in range(200):
        deep = {"a": deep}
    body = assert_problem(client.patch(f"/users/{user_id}", json={"name": deep}, headers=bearer(token)), 400)
    assert "nests deeper" in body["detail"]


def test_stated_constraints_are_enforced_as_documented(rest_server: RestServer) -> None:
    client = rest_server.client
    user_id, _token = sign_up(rest_server, "Constraints")
    assert assert_problem(client.get("/products", params={"minPrice": "-1"}), 400)["detail"] == (
        "minPrice must be 0 or more"
    )
    empty = assert_problem(client.post("/users", json={"email": "", "name": "Ada", "password": PASSWORD}), 400)
    assert empty["detail"].startswith("email is not in the expected form")
    assert "exactly one" in assert_problem(client.post(f"/users/{user_id}/auth", json={}), 400)["detail"]
    assert client.get("/products", params={"minPrice": "0"}).status_code == 200


def test_the_subgraphs_limits_are_enforced_at_their_stated_edges(rest_server: RestServer) -> None:
    """Just inside each stated limit is accepted, just outside is a 400 naming the field (before
    anything runs: the limits are those of subgraphs/products and subgraphs/orders)."""
    client = rest_server.client
    _, seller = sign_up(rest_server, "Edges")
    calls = len(rest_server.backend.store.calls)
    product_refusals: list[tuple[dict[str, Any], str]] = [
        ({"name": "n" * 201}, "name"),
        ({"name": "   "}, "name"),
        ({"category": "c" * 101}, "category"),
        ({"description": "d" * 5001}, "description"),
        ({"price": {"amount": -1, "currency": "EUR"}}, "price.amount"),
        ({"price": {"amount": 1, "currency": "EURO"}}, "price.currency"),
        ({"stock": -1}, "stock"),
    ]
    for body, field in product_refusals:
        refused = client.post("/products", json={**EDGE_PRODUCT, **body}, headers=bearer(seller))
        assert assert_problem(refused, 400, "BAD_USER_INPUT")["detail"].startswith(field), body
    assert len(rest_server.backend.store.calls) == calls
    product = new_product(
        rest_server, seller, name=" " + "n" * 200 + " ", category="c" * 100, price={"amount": 0, "currency": " eur "}
    )
    path = f"/products/{product['id']}"
    assert "at least 1 field" in assert_problem(client.patch(path, json={}, headers=bearer(seller)), 400)["detail"]
    null_name = client.patch(path, json={"name": None}, headers=bearer(seller))
    assert assert_problem(null_name, 400)["detail"] == "name must not be null"
    assert client.patch(path, json={"stock": 0}, headers=bearer(seller)).status_code == 200

    _, buyer = sign_up(rest_server, "EdgeBuyer")
    item: dict[str, Any] = {"productId": product["id"], "quantity": 1000}
    accepted = client.post("/orders", json={"items": [item], "shippingAddress": "a" * 1000}, headers=bearer(buyer))
    assert accepted.status_code == 202, accepted.text
    order_refusals: list[tuple[dict[str, Any], str]] = [
        ({"items": [{**item, "quantity": 1001}], "shippingAddress": "x"}, "items[0].quantity"),
        ({"items": [{**item, "quantity": 0}], "shippingAddress": "x"}, "items[0].quantity"),
        ({"items": [], "shippingAddress": "x"}, "items"),
        ({"items": [item] * 51, "shippingAddress": "x"}, "items"),
        ({"items": [{**item, "productId": "p1"}], "shippingAddress": "x"}, "items[0].productId"),
        (
            {"items": [{**item, "productId": 7}], "shippingAddress": "x"},
            "body field 'items[0].productId': ID must be a string,",
        ),
        ({"items": [item], "shippingAddress": "a" * 1001}, "shippingAddress"),
    ]
    for body, field in order_refusals:
        refused = client.post("/orders", json=body, headers=bearer(buyer))
        assert assert_problem(refused, 400, "BAD_USER_INPUT")["detail"].startswith(field + " "), (field, refused.text)
    long_key = client.post(
        "/orders",
        json={"items": [item], "shippingAddress": "x"},
        headers={**bearer(buyer), "Idempotency-Key": "k" * 201},
    )
    assert assert_problem(long_key, 400)["detail"].startswith("idempotencyKey")


def test_a_signed_in_client_checks_a_password(rest_server: RestServer) -> None:
    """The Authorization header gives way to a password in the body (not a second credential)."""
    user_id, token = sign_up(rest_server, "Checker")
    checked = rest_server.client.post(
        f"/users/{user_id}/auth-valid", json={"password": PASSWORD}, headers=bearer(token)
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["valid"] is True
    both = rest_server.client.post(f"/users/{user_id}/auth-valid", json={"password": PASSWORD, "token": token})
    assert "at most one" in assert_problem(both, 400)["detail"]
    # a vertical tab is no JSON whitespace: malformed JSON, not "no body" (then the header's token)
    tab = {**bearer(token), "content-type": "application/json"}
    assert_problem(rest_server.client.post(f"/users/{user_id}/auth-valid", content=b"\x0b", headers=tab), 400)


EDGE_PRODUCT: dict[str, Any] = {"name": "Edge", "price": {"amount": 1, "currency": "EUR"}, "category": "tools"}
