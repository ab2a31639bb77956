"""A GraphQL result → the HTTP response of a REST route.

The root field's value is the body. Success statuses and ``Location`` come from the declaration;
``ETag``/``If-None-Match`` and ``Link`` are added on reads. A failed operation becomes a problem
response (see ``problems``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from starlette.responses import Response

from router.rest.declarations import PLACEHOLDER, Declaration
from router.rest.problems import graphql_problem, problem_response


def entity_tag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if not if_none_match:
        return False
    candidates = [c.strip() for c in if_none_match.split(",")]
    return any(c == "*" or c.removeprefix("W/") == tag for c in candidates)


def render_result(
    declaration: Declaration,
    result: Mapping[str, Any],
    *,
    instance: str,
    query: Sequence[tuple[str, str]] = (),
    variables: Mapping[str, Any] | None = None,
    if_none_match: str | None = None,
) -> Response:
    data = result.get("data")
    errors = result.get("errors") or []
    value = data.get(declaration.root_key) if isinstance(data, Mapping) else None
    if value is None:
        if errors:
            return graphql_problem(errors, instance)
        return problem_response(404, f"nothing found at {instance}", instance=instance, code="NOT_FOUND")
    spec = declaration.spec
    if spec.status == 204:
        if value is False:
            return problem_response(404, f"nothing found at {instance}", instance=instance, code="NOT_FOUND")
        return Response(status_code=204)
    body = orjson.dumps(value)
    headers: dict[str, str] = {}
    if spec.location is not None and isinstance(value, Mapping):
        headers["Location"] = _fill(spec.location, value)
    if spec.method == "GET":
        tag = entity_tag(body)
        headers["ETag"] = tag
        headers["Cache-Control"] = "private, no-cache"
        headers["Vary"] = "Authorization"
        if etag_matches(if_none_match, tag):
            return Response(status_code=304, headers=headers)
        if declaration.pagination is not None and isinstance(value, Mapping):
            link = _links(declaration, value, instance, query, variables or {})
            if link:
                headers["Link"] = link
    return Response(body, status_code=spec.status, headers=headers, media_type="application/json")


def _fill(template: str, value: Mapping[str, Any]) -> str:
    return PLACEHOLDER.sub(lambda m: quote(str(value.get(m.group(1), "")), safe=""), template)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _links(
    declaration: Declaration,
    page: Mapping[str, Any],
    path: str,
    query: Sequence[tuple[str, str]],
    variables: Mapping[str, Any],
) -> str:
    pagination = declaration.pagination
    assert pagination is not None
    total = _int(page.get(pagination.total_key))
    limit = _int(page.get(pagination.limit_key)) if pagination.limit_key else None
    offset = _int(page.get(pagination.offset_key)) if pagination.offset_key else None
    limit = limit if limit is not None else _int(variables.get("limit", declaration.variables["limit"].default))
    offset = offset if offset is not None else _int(variables.get("offset", declaration.variables["offset"].default))
    if total is None or limit is None or offset is None or limit <= 0:
        return ""
    kept = [(k, v) for k, v in query if k not in ("limit", "offset")]

    def url(new_offset: int) -> str:
        return path + "?" + urlencode([*kept, ("limit", str(limit)), ("offset", str(new_offset))])

    links: list[tuple[str, int]] = [("first", 0)]
    if offset + limit < total:
        links.append(("next", offset + limit))
    if offset > 0:
        links.append(("prev", max(0, offset - limit)))
    if total > 0:
        links.append(("last", ((total - 1) // limit) * limit))
    return ", ".join(f'<{url(o)}>; rel="{rel}"' for rel, o in links)
