"""The ``@rest`` directive: how one named GraphQL operation is served as a REST route.

The directive is not part of the API schema (clients of ``/graphql`` never see it); declarations are
validated against the API schema extended with :data:`REST_DIRECTIVE_SDL`, and the directive is
stripped from the text sent to the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
BODY_METHODS: frozenset[str] = frozenset({"POST", "PUT", "PATCH"})
SUCCESS_STATUSES: frozenset[int] = frozenset({200, 201, 202, 204})

REST_DIRECTIVE_SDL = '''
"""Serve this operation as a REST route. See docs/rest.md."""
directive @rest(
  "HTTP method of the route."
  method: RestMethod!
  "Path template; each {name} segment is the operation variable of that name."
  path: String!
  "Status of a successful response: 200, 201, 202 or 204 (no body)."
  status: Int = 200
  "Location header template filled from the result, e.g. /orders/{id}."
  location: String
  "The variable that receives the whole JSON body. Without it, each body field is the variable of its name."
  body: String
  "Request headers that fill variables (e.g. Idempotency-Key)."
  headers: [RestHeader!] = []
  "One-line summary for the OpenAPI document."
  summary: String
  "OpenAPI tags (default: the path's first segment)."
  tags: [String!]
) on QUERY | MUTATION | SUBSCRIPTION

enum RestMethod { GET POST PUT PATCH DELETE }

"A request header that fills an operation variable."
input RestHeader {
  "Header name, e.g. Idempotency-Key."
  name: String!
  "The variable it fills."
  variable: String!
  "An authentication scheme the value must carry and that is stripped, e.g. Bearer."
  scheme: String
  "The variable may also be given as a body field of its name (the header is then optional)."
  alsoInBody: Boolean = false
}
'''

REST_SCHEMA_NAMES = ("rest", "RestMethod", "RestHeader")


@dataclass(frozen=True, slots=True)
class HeaderBinding:
    name: str
    variable: str
    scheme: str | None = None
    also_in_body: bool = False


@dataclass(frozen=True, slots=True)
class RestSpec:
    """The coerced arguments of one ``@rest`` directive."""

    method: Method
    path: str
    status: int = 200
    location: str | None = None
    body: str | None = None
    headers: tuple[HeaderBinding, ...] = ()
    summary: str | None = None
    tags: tuple[str, ...] | None = None

    @classmethod
    def from_arguments(cls, arguments: dict[str, Any]) -> RestSpec:
        headers = tuple(
            HeaderBinding(
                name=h["name"],
                variable=h["variable"],
                scheme=h.get("scheme"),
                also_in_body=bool(h.get("alsoInBody")),
            )
            for h in arguments.get("headers") or ()
        )
        tags = arguments.get("tags")
        return cls(
            method=arguments["method"],
            path=arguments["path"],
            status=arguments.get("status", 200),
            location=arguments.get("location"),
            body=arguments.get("body"),
            headers=headers,
            summary=arguments.get("summary"),
            tags=None if tags is None else tuple(tags),
        )
