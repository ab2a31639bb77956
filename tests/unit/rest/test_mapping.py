"""Request → variables: coercion from the schema's types, and refusals that name the parameter."""

from __future__ import annotations

import pytest

from router.rest import Declaration
from router.rest.mapping import map_request
from router.rest.problems import RequestProblem

pytestmark = pytest.mark.router


def refusal(declaration: Declaration, **request: object) -> RequestProblem:
    with pytest.raises(RequestProblem) as caught:
        map_request(declaration, **request)  # type: ignore[arg-type]
    return caught.value


def test_query_parameters_are_coerced_from_text(declarations: dict[str, Declaration]) -> None:
    mapped = map_request(
        declarations["ListProducts"],
        {},
        [("limit", "5"), ("offset", "10"), ("inStock", "true"), ("minPrice", "-3"), ("q", "desk"), ("sellerId", "7")],
        {},
    )
    assert mapped.variables == {
        "limit": 5,
        "offset": 10,
        "inStock": True,
        "minPrice": -3,
        "q": "desk",
        "sellerId": "7",
    }
    assert mapped.consumed_headers == frozenset()


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ([("limit", "abc")], "limit", "Int cannot represent non-integer value: 'abc'"),
        ([("limit", "1.5")], "limit", "non-integer"),
        ([("limit", "99999999999")], "limit", "32-bit"),
        ([("inStock", "maybe")], "inStock", "Boolean cannot represent"),
        ([("limit", "1"), ("limit", "2")], "limit", "more than once"),
        ([("colour", "red")], "colour", "unknown query parameter 'colour'"),
    ],
)
def test_bad_query_parameters_are_400_naming_the_parameter(
    declarations: dict[str, Declaration], query: list[tuple[str, str]], parameter: str, words: str
) -> None:
    problem = refusal(declarations["ListProducts"], path_params={}, query=query, headers={})
    assert problem.status == 400
    assert problem.parameter == parameter
    assert words in problem.detail
    assert problem.error()["extensions"] == {"code": "BAD_USER_INPUT", "parameter": parameter, "in": "query"}


def test_a_whole_body_variable_takes_the_json_object(declarations: dict[str, Declaration]) -> None:
    body = b'{"items": [{"productId": "p1", "quantity": 2}], "shippingAddress": "1 Main St"}'
    mapped = map_request(declarations["CreateOrder"], {}, [], {"idempotency-key": "k-1"}, body, "application/json")
    assert mapped.variables == {
        "input": {"items": [{"productId": "p1", "quantity": 2}], "shippingAddress": "1 Main St"},
        "idempotencyKey": "k-1",
    }
    assert mapped.consumed_headers == {"idempotency-key"}
    without_key = map_request(declarations["CreateOrder"], {}, [], {}, body, "application/json")
    assert "idempotencyKey" not in without_key.variables


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"items": [], "shippingAddress": "x", "coupon": "FREE"}', "Field 'coupon' is not defined"),
        (b'{"items": [{"productId": "p1", "quantity": "two"}], "shippingAddress": "x"}', "items[0].quantity"),
        (b'{"items": [{"productId": "p1"}], "shippingAddress": "x"}', "quantity"),
        (b'{"items": []}', "shippingAddress"),
        (b"[1]", "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"{", "not valid JSON"),
        (b"", "a JSON body is required"),
    ],
)
def test_bad_bodies_are_400(declarations: dict[str, Declaration], body: bytes, words: str) -> None:
    problem = refusal(
        declarations["CreateOrder"], path_params={}, query=[], headers={}, body=body, content_type="application/json"
    )
    assert problem.status == 400
    assert words in problem.detail


def test_non_json_bodies_are_415(declarations: dict[str, Declaration]) -> None:
    problem = refusal(
        declarations["CreateUser"], path_params={}, query=[], headers={}, body=b"a=b", content_type="text/plain"
    )
    assert problem.status == 415


def test_body_fields_are_variables_and_put_needs_them_all(declarations: dict[str, Declaration]) -> None:
    replace = declarations["ReplaceUser"]
    full = b'{"email": "a@b.c", "name": "A", "password": "pw"}'
    mapped = map_request(replace, {"id": "u1"}, [], {}, full, "application/json; charset=utf-8")
    assert mapped.variables == {"id": "u1", "email": "a@b.c", "name": "A", "password": "pw"}
    problem = refusal(replace, path_params={"id": "u1"}, query=[], headers={}, body=b'{"name": "A"}')
    assert problem.detail == "body field 'email' is required"
    unknown = refusal(replace, path_params={"id": "u1"}, query=[], headers={}, body=full[:-1] + b', "role": "ADMIN"}')
    assert "unknown body field 'role'" in unknown.detail


def test_a_bearer_header_can_fill_a_variable_unless_the_body_does(declarations: dict[str, Declaration]) -> None:
    validate = declarations["ValidateCredentials"]
    by_header = map_request(validate, {"id": "u1"}, [], {"authorization": "Bearer tok"})
    assert by_header.variables == {"id": "u1", "token": "tok"}
    assert by_header.consumed_headers == {"authorization"}
    by_body = map_request(validate, {"id": "u1"}, [], {"authorization": "Bearer mine"}, b'{"token": "theirs"}')
    assert by_body.variables == {"id": "u1", "token": "theirs"}
    assert by_body.consumed_headers == frozenset()
    basic = refusal(validate, path_params={"id": "u1"}, query=[], headers={"authorization": "Basic xyz"})
    assert basic.detail == "header 'Authorization' must be 'Bearer <credential>'"


def test_custom_scalars_with_known_formats_are_checked(declarations: dict[str, Declaration]) -> None:
    update = declarations["UpdateOrder"]
    good = b'{"tracking": {"carrier": "DHL", "trackingNumber": "1", "estimatedDelivery": "2026-01-02T03:04:05Z"}}'
    assert map_request(update, {"id": "o1"}, [], {}, good).variables["input"]["tracking"]["carrier"] == "DHL"
    bad = good.replace(b"2026-01-02T03:04:05Z", b"tomorrow")
    problem = refusal(update, path_params={"id": "o1"}, query=[], headers={}, body=bad)
    assert problem.parameter == "tracking.estimatedDelivery"
    assert "date-time" in problem.detail


def test_enums_are_checked(declarations: dict[str, Declaration]) -> None:
    problem = refusal(
        declarations["UpdateOrder"], path_params={"id": "o1"}, query=[], headers={}, body=b'{"status": "LOST"}'
    )
    assert problem.parameter == "status"
    assert "OrderStatus" in problem.detail
