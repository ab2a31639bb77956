"""GraphQL result → HTTP response: bodies, success statuses, Location, ETag, Link."""

from __future__ import annotations

import orjson
import pytest

from router.rest import Declaration
from router.rest.responses import etag_matches, render_result

pytestmark = pytest.mark.router

PAGE = {"items": [], "totalCount": 45, "limit": 10, "offset": 20, "hasNextPage": True}


def test_the_root_field_value_is_the_body(declarations: dict[str, Declaration]) -> None:
    product = {"id": "p1", "name": "Desk"}
    response = render_result(declarations["GetProduct"], {"data": {"product": product}}, instance="/products/p1")
    assert response.status_code == 200
    assert orjson.loads(response.body) == product
    assert response.headers["etag"].startswith('"')
    assert response.headers["vary"] == "Authorization"


def test_created_and_accepted_carry_location(declarations: dict[str, Declaration]) -> None:
    created = render_result(declarations["CreateUser"], {"data": {"createUser": {"id": "u 1"}}}, instance="/users")
    assert (created.status_code, created.headers["location"]) == (201, "/users/u%201")
    queued = render_result(declarations["CreateOrder"], {"data": {"createOrder": {"id": "o1"}}}, instance="/orders")
    assert (queued.status_code, queued.headers["location"]) == (202, "/orders/o1")
    assert "etag" not in queued.headers


def test_deletes_are_204_and_false_is_404(declarations: dict[str, Declaration]) -> None:
    done = render_result(declarations["DeleteProduct"], {"data": {"deleteProduct": True}}, instance="/products/1")
    assert (done.status_code, done.body) == (204, b"")
    missing = render_result(declarations["DeleteProduct"], {"data": {"deleteProduct": False}}, instance="/products/1")
    assert missing.status_code == 404
    cancelled = render_result(
        declarations["CancelOrder"], {"data": {"deleteOrder": {"id": "o1", "status": "CANCELLED"}}}, instance="/o"
    )
    assert cancelled.status_code == 200


def test_null_without_errors_is_404_and_with_errors_a_problem(declarations: dict[str, Declaration]) -> None:
    assert render_result(declarations["GetUser"], {"data": {"user": None}}, instance="/users/1").status_code == 404
    failed = {"data": None, "errors": [{"message": "no", "path": ["user"], "extensions": {"code": "FORBIDDEN"}}]}
    assert render_result(declarations["GetUser"], failed, instance="/users/1").status_code == 403


def test_if_none_match_gives_304(declarations: dict[str, Declaration]) -> None:
    result = {"data": {"product": {"id": "p1"}}}
    tag = render_result(declarations["GetProduct"], result, instance="/p").headers["etag"]
    again = render_result(declarations["GetProduct"], result, instance="/p", if_none_match=f'"other", {tag}')
    assert (again.status_code, again.body, again.headers["etag"]) == (304, b"", tag)
    assert etag_matches("*", tag)
    assert etag_matches(f"W/{tag}", tag)
    assert not etag_matches('"nope"', tag)
    assert not etag_matches(None, tag)


def test_pages_link_to_their_neighbours(declarations: dict[str, Declaration]) -> None:
    response = render_result(
        declarations["ListProducts"],
        {"data": {"products": PAGE}},
        instance="/products",
        query=[("q", "desk lamp"), ("limit", "10"), ("offset", "20")],
    )
    assert response.headers["link"] == (
        '</products?q=desk+lamp&limit=10&offset=0>; rel="first", '
        '</products?q=desk+lamp&limit=10&offset=30>; rel="next", '
        '</products?q=desk+lamp&limit=10&offset=10>; rel="prev", '
        '</products?q=desk+lamp&limit=10&offset=40>; rel="last"'
    )


def test_the_first_page_has_no_prev_and_the_last_no_next(declarations: dict[str, Declaration]) -> None:
    first = {**PAGE, "offset": 0}
    link = render_result(declarations["ListProducts"], {"data": {"products": first}}, instance="/products").headers[
        "link"
    ]
    assert 'rel="prev"' not in link
    assert 'rel="next"' in link
    last = {**PAGE, "offset": 40}
    link = render_result(declarations["ListProducts"], {"data": {"products": last}}, instance="/products").headers[
        "link"
    ]
    assert 'rel="next"' not in link
    assert 'rel="prev"' in link
