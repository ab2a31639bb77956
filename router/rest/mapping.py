"""An HTTP request → the variables of a declared operation.

Each variable has its source(s), decided when the declaration was loaded (see ``declarations``):
the path, the query string, a header, the whole JSON body, or one field of the JSON body.
Anything a request gives that no variable takes is refused, so a typo never passes silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLList, GraphQLNonNull

from router.rest.coercion import check_value, from_text
from router.rest.constraints import Constraints, body_violation, input_violation, violation
from router.rest.declarations import Declaration, VariableSpec
from router.rest.directive import BODY_METHODS
from router.rest.problems import RequestProblem

_JSON_TYPES = ("application/json",)


def is_json_media_type(content_type: str | None) -> bool:
    if not content_type:
        return True
    media = content_type.split(";", 1)[0].strip().lower()
    return media in _JSON_TYPES or media.endswith("+json")


NO_BODY: Any = object()


@dataclass(frozen=True, slots=True)
class MappedRequest:
    variables: dict[str, Any]
    consumed_headers: frozenset[str] = frozenset()
    """Lower-case names of headers that gave a variable: operation input, not to be passed on."""


def parse_body(body: bytes, content_type: str | None) -> Any:
    """The JSON document of a body; :data:`NO_BODY` when the body is empty or JSON whitespace.

    (Only JSON's four whitespace characters: ``bytes.strip`` would also drop a vertical tab, and a
    body of one would pass for no body instead of being refused as malformed JSON.)
    """
    if not body.strip(b" \t\n\r"):
        return NO_BODY
    if not is_json_media_type(content_type):
        raise RequestProblem(
            f"the request body must be JSON (application/json), not {content_type}", status=415, location="body"
        )
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise RequestProblem(f"the request body is not valid JSON: {error}", location="body") from None


def map_request(
    declaration: Declaration,
    path_params: Mapping[str, str],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes = b"",
    content_type: str | None = None,
    constraints: Constraints | None = None,
) -> MappedRequest:
    """Variables for ``declaration`` from one request; raises :class:`RequestProblem` (400/415).

    A variable that may come from the body or a header takes the body's value when the body gives
    one; the header is then left to its usual meaning (e.g. ``Authorization`` stays the caller's).
    """
    variables: dict[str, Any] = {}
    for spec in declaration.variables_from("path"):
        text = path_params.get(spec.name, "")
        value = from_text(text, spec.type)
        check_value(value, spec.type, parameter=spec.name, location="path", kind="path parameter")
        variables[spec.name] = value
    _from_query(declaration, query, variables)
    if declaration.spec.method in BODY_METHODS:
        _from_body(declaration, parse_body(body, content_type), variables)
    consumed = _from_headers(declaration, headers, variables)
    if constraints is not None:
        consumed = _yield_to_body(declaration, constraints, variables, consumed)
    for spec in declaration.variables.values():
        if spec.required and spec.name not in variables:
            raise RequestProblem(_missing(spec), parameter=spec.name, location=spec.sources[-1])
    if constraints is not None:
        _check_constraints(declaration, variables, constraints)
    return MappedRequest(variables, consumed)


def _yield_to_body(
    declaration: Declaration, constraints: Constraints, variables: dict[str, Any], consumed: frozenset[str]
) -> frozenset[str]:
    """A header's value gives way when the body gives another variable it excludes (``not``).

    ``POST /users/{id}/auth-valid`` with a password in the body from a signed-in client: the
    ``Authorization`` header then stays the caller's, rather than becoming a second credential
    that the subgraph would refuse beside the password.
    """
    excluded = constraints.bodies.get(declaration.name, {}).get("not", {}).get("required") or ()
    for spec in declaration.variables_from("header"):
        assert spec.header is not None
        others = [name for name in excluded if name != spec.name]
        if (
            spec.name in excluded
            and spec.header.lower() in consumed
            and others
            and all(variables.get(name) is not None for name in others)
        ):
            del variables[spec.name]
            consumed = consumed - {spec.header.lower()}
    return consumed


def _check_constraints(declaration: Declaration, variables: dict[str, Any], constraints: Constraints) -> None:
    """The constraints of constraints.yaml (also stated in /openapi.json): 400 naming the parameter."""
    for name, value in variables.items():
        spec = declaration.variables.get(name)
        if spec is None:
            continue
        location = spec.sources[-1]
        reason = violation(value, constraints.for_variable(declaration.name, name))
        if reason:
            raise RequestProblem(f"{name} {reason}", parameter=name, location=location)
        label = "" if location == "body" else name
        found = input_violation(value, spec.type, constraints, label)
        if found:
            raise RequestProblem(found, parameter=found.split(" ", 1)[0], location=location)
    body = constraints.bodies.get(declaration.name)
    if body:
        reason = body_violation(variables, body)
        if reason:
            raise RequestProblem(reason, location="body")


def _missing(spec: VariableSpec) -> str:
    where = {
        "path": "path parameter",
        "query": "query parameter",
        "header": "header",
        "body": "JSON body",
        "field": "body field",
    }[spec.sources[-1]]
    if spec.sources[-1] == "body":
        return "a JSON body is required"
    name = spec.header if spec.sources[-1] == "header" and spec.header else spec.name
    return f"{where} '{name}' is required"


def _from_query(declaration: Declaration, query: Sequence[tuple[str, str]], variables: dict[str, Any]) -> None:
    specs = {spec.name: spec for spec in declaration.variables_from("query")}
    grouped: dict[str, list[str]] = {}
    for name, text in query:
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            raise RequestProblem(f"unknown query parameter '{name}' (known: {known})", parameter=name, location="query")
        grouped.setdefault(name, []).append(text)
    for name, texts in grouped.items():
        spec = specs[name]
        inner = spec.type.of_type if isinstance(spec.type, GraphQLNonNull) else spec.type
        value: Any
        if isinstance(inner, GraphQLList):
            value = [from_text(text, inner.of_type) for text in texts]
        elif len(texts) > 1:
            raise RequestProblem(f"query parameter '{name}' is given more than once", parameter=name, location="query")
        else:
            value = from_text(texts[0], spec.type)
        check_value(value, spec.type, parameter=name, location="query", kind="query parameter")
        variables[name] = value


def _from_headers(declaration: Declaration, headers: Mapping[str, str], variables: dict[str, Any]) -> frozenset[str]:
    consumed: set[str] = set()
    for spec in declaration.variables_from("header"):
        assert spec.header is not None
        raw = headers.get(spec.header.lower())
        if raw is None or not raw.strip() or variables.get(spec.name) is not None:
            continue
        value = raw.strip()
        if spec.scheme is not None:
            scheme, _, credential = value.partition(" ")
            if scheme.lower() != spec.scheme.lower() or not credential.strip():
                raise RequestProblem(
                    f"header '{spec.header}' must be '{spec.scheme} <credential>'",
                    parameter=spec.header,
                    location="header",
                )
            value = credential.strip()
        typed = from_text(value, spec.type)
        check_value(typed, spec.type, parameter=spec.header, location="header", kind="header")
        variables[spec.name] = typed
        consumed.add(spec.header.lower())
    return frozenset(consumed)


def _from_body(declaration: Declaration, document: Any, variables: dict[str, Any]) -> None:
    body_specs = declaration.variables_from("body")
    if body_specs:
        spec = body_specs[0]
        if document is NO_BODY:
            return
        if not isinstance(document, dict):
            raise RequestProblem("the request body must be a JSON object", location="body")
        check_value(document, spec.type, parameter="", location="body", kind="body field")
        variables[spec.name] = document
        return
    fields = {spec.name: spec for spec in declaration.variables_from("field")}
    if document is NO_BODY:
        document = {}
    if not isinstance(document, dict):
        raise RequestProblem("the request body must be a JSON object", location="body")
    for name, value in document.items():
        field = fields.get(name)
        if field is None:
            known = ", ".join(sorted(fields)) or "none"
            raise RequestProblem(f"unknown body field '{name}' (known: {known})", parameter=name, location="body")
        check_value(value, field.type, parameter=name, location="body", kind="body field")
        variables[name] = value
