"""GraphQL error codes → HTTP statuses and RFC 9457 bodies."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from router.rest.problems import PROBLEM_MEDIA_TYPE, graphql_problem

pytestmark = pytest.mark.router


def error(code: str, path: bool = True, **extensions: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"message": f"{code} happened", "extensions": {"code": code, **extensions}}
    if path:
        found["path"] = ["field"]
    return found


@pytest.mark.parametrize(
    ("errors", "status"),
    [
        ([error("BAD_USER_INPUT")], 422),
        ([error("BAD_USER_INPUT", path=False)], 400),
        ([error("UNAUTHENTICATED")], 401),
        ([error("FORBIDDEN")], 403),
        ([error("NOT_FOUND")], 404),
        ([error("CONFLICT")], 409),
        ([error("RATE_LIMITED", retryAfter=12)], 429),
        ([error("REQUEST_RATE_LIMITED", path=False, retryAfter=0.25)], 429),
        ([error("UNAVAILABLE")], 503),
        ([error("SUBREQUEST_HTTP_ERROR", path=False)], 502),
        ([error("GATEWAY_TIMEOUT", path=False)], 504),
        ([error("INTERNAL_SERVER_ERROR")], 500),
        ([error("GRAPHQL_VALIDATION_FAILED", path=False)], 500),
        ([{"message": "no code"}], 500),
        ([error("INTERNAL_SERVER_ERROR"), error("FORBIDDEN")], 403),
    ],
)
def test_codes_map_to_statuses(errors: list[dict[str, Any]], status: int) -> None:
    response = graphql_problem(errors, "/things/1")
    assert response.status_code == status
    assert response.media_type == PROBLEM_MEDIA_TYPE
    body = orjson.loads(response.body)
    assert body["status"] == status
    assert body["instance"] == "/things/1"
    assert body["errors"] == errors


def test_the_body_is_an_rfc_9457_problem_keeping_the_graphql_errors() -> None:
    errors = [error("NOT_FOUND"), error("FORBIDDEN")]
    body = orjson.loads(graphql_problem(errors, "/orders/9").body)
    assert body == {
        "type": "urn:marketplace:problem:not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "NOT_FOUND happened",
        "instance": "/orders/9",
        "code": "NOT_FOUND",
        "errors": errors,
    }


def test_retry_after_comes_from_the_error() -> None:
    assert graphql_problem([error("RATE_LIMITED", retryAfter=12.2)], "/x").headers["retry-after"] == "13"
    assert graphql_problem([error("RATE_LIMITED")], "/x").headers["retry-after"] == "1"
    assert graphql_problem([error("REQUEST_RATE_LIMITED", retryAfter=0.25)], "/x").headers["retry-after"] == "1"
    assert graphql_problem([error("UNAVAILABLE", retryAfter=5)], "/x").headers["retry-after"] == "5"
    assert "retry-after" not in graphql_problem([error("UNAVAILABLE")], "/x").headers


def test_unauthenticated_says_which_scheme() -> None:
    assert graphql_problem([error("UNAUTHENTICATED")], "/x").headers["www-authenticate"] == "Bearer"
