"""``application/problem+json`` (RFC 9457) responses, and GraphQL error codes → HTTP statuses."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from starlette.responses import Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:marketplace:problem:"

# Codes a client can act on. BAD_USER_INPUT is 422 when a resolver refused the values (the error has a
# path) and 400 when the request itself did not fit the operation's types (no path): see _status_of.
_CLIENT_STATUSES: Mapping[str, int] = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "RATE_LIMITED": 429,
    # A subgraph's traffic_shaping global_rate_limit was spent: the fetch was not sent (router/execution/fetcher.py).
    "REQUEST_RATE_LIMITED": 429,
    "UNAVAILABLE": 503,
}
# The operation outlived the router's own timeout (traffic_shaping.router.timeout).
_GATEWAY_TIMEOUT = "GATEWAY_TIMEOUT"
# Failures between the router and a subgraph: the gateway's fault, not the client's.
_GATEWAY_CODES = frozenset(
    {"SUBREQUEST_HTTP_ERROR", "SUBREQUEST_MALFORMED_RESPONSE", "DOWNSTREAM_SERVICE_ERROR", "SUBREQUEST_TIMEOUT"}
)


class RequestProblem(Exception):
    """A request the REST layer refuses before running anything (bad parameter, malformed JSON, …)."""

    def __init__(
        self,
        detail: str,
        *,
        status: int = 400,
        parameter: str | None = None,
        location: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status
        self.parameter = parameter
        self.location = location
        self.headers = dict(headers or {})

    def error(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {
            "code": "BAD_USER_INPUT" if self.status in (400, 422) else _slug_code(self.status)
        }
        if self.parameter is not None:
            extensions["parameter"] = self.parameter
        if self.location is not None:
            extensions["in"] = self.location
        return {"message": self.detail, "extensions": extensions}


def _slug_code(status: int) -> str:
    return HTTPStatus(status).phrase.upper().replace(" ", "_")


def problem_type(status: int, code: str | None = None) -> str:
    slug = (code or _slug_code(status)).lower().replace("_", "-")
    return PROBLEM_TYPE_PREFIX + slug


def problem_response(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    code: str | None = None,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
) -> Response:
    """A problem document (RFC 9457); ``title`` defaults to the status's phrase in Python's table."""
    body: dict[str, Any] = {
        "type": problem_type(status, code),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if code is not None:
        body["code"] = code
    body["errors"] = [dict(e) for e in errors]
    return Response(orjson.dumps(body), status_code=status, headers=dict(headers or {}), media_type=PROBLEM_MEDIA_TYPE)


def request_problem_response(problem: RequestProblem, instance: str) -> Response:
    error = problem.error()
    return problem_response(
        problem.status,
        problem.detail,
        instance=instance,
        code=error["extensions"]["code"],
        errors=[error],
        headers=problem.headers,
    )


def _code(error: Mapping[str, Any]) -> str | None:
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return code if isinstance(code, str) else None


def _status_of(error: Mapping[str, Any]) -> int | None:
    """The HTTP status one GraphQL error stands for; ``None`` when it is not a client's problem."""
    code = _code(error)
    if code == "BAD_USER_INPUT":
        return 422 if error.get("path") else 400
    if code is not None and code in _CLIENT_STATUSES:
        return _CLIENT_STATUSES[code]
    if code in _GATEWAY_CODES:
        return 502
    if code == _GATEWAY_TIMEOUT:
        return 504
    return None


def _retry_after(error: Mapping[str, Any]) -> str | None:
    extensions = error.get("extensions")
    value = extensions.get("retryAfter") if isinstance(extensions, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return str(max(0, math.ceil(value)))


def graphql_problem(errors: Sequence[Mapping[str, Any]], instance: str) -> Response:
    """One problem response for a failed operation: the first error a client can act on sets the status."""
    chosen: Mapping[str, Any] | None = None
    status = 500
    for error in errors:
        found = _status_of(error)
        if found is not None:
            chosen, status = error, found
            break
    if chosen is None:
        chosen = errors[0] if errors else {"message": "the operation returned no result"}
        status = 502 if any(_status_of(e) == 502 for e in errors) else 500
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status in (429, 503):
        retry = _retry_after(chosen)
        if retry is not None or status == 429:
            headers["Retry-After"] = retry or "1"
    message = chosen.get("message")
    detail = message if isinstance(message, str) and message else HTTPStatus(status).phrase
    return problem_response(
        status, detail, instance=instance, code=_code(chosen) or _slug_code(status), errors=errors, headers=headers
    )
