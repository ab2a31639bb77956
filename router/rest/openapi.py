"""The OpenAPI 3.1 document of the REST routes, generated from the declarations and the API schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLNonNull, GraphQLSchema, Undefined

from router.rest.constraints import Constraints
from router.rest.declarations import PLACEHOLDER, Declaration
from router.rest.directive import BODY_METHODS
from router.rest.json_schema import Components, Schema, non_null, with_keywords
from router.rest.problems import PROBLEM_MEDIA_TYPE

_ERROR_DESCRIPTIONS = {
    400: "The request does not fit the route: a parameter of the wrong type, an unknown field, malformed JSON.",
    401: "Authentication is required, or the token is not valid (`Authorization: Bearer <accessToken>`).",
    403: "The caller may not do this.",
    404: "Nothing exists at this URL.",
    409: "The request conflicts with the current state (e.g. an idempotency key reused for another order).",
    413: "The request body is too large.",
    415: "The request body is not JSON.",
    422: "The values were understood but refused (e.g. a limit above the maximum).",
    429: "Too many requests (attempts of one action, or the router's rate limit); retry after `Retry-After` seconds.",
    502: "A service behind the router failed.",
    503: "A service is temporarily unavailable, or the router is at its concurrency limit; retry later.",
    504: "The operation did not finish within the router's timeout.",
}

_PROBLEM_SCHEMA: Schema = {
    "type": "object",
    "description": "An RFC 9457 problem; `errors` keeps the GraphQL errors behind it.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/GraphQLError"}},
    },
    "required": ["type", "title", "status", "detail"],
}

_GRAPHQL_ERROR_SCHEMA: Schema = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "path": {"type": "array", "items": {"type": ["string", "integer"]}},
        "locations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"line": {"type": "integer"}, "column": {"type": "integer"}},
            },
        },
        "extensions": {"type": "object"},
    },
    "required": ["message"],
}


def _header(description: str, required: bool = False) -> Schema:
    return {"description": description, "required": required, "schema": {"type": "string"}}


def _problem(status: int) -> Schema:
    response: Schema = {
        "description": _ERROR_DESCRIPTIONS.get(status, "An error."),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": _header("Seconds to wait before retrying.", True)}
    elif status == 503:
        response["headers"] = {"Retry-After": _header("Seconds to wait before retrying.")}
    elif status == 401:
        response["headers"] = {"WWW-Authenticate": _header("The authentication scheme (Bearer).")}
    return response


def openapi_document(
    declarations: Sequence[Declaration],
    api_schema: GraphQLSchema,
    *,
    title: str = "Marketplace REST API",
    version: str = "1.0.0",
    description: str | None = None,
    constraints: Constraints | None = None,
) -> dict[str, Any]:
    components = Components(api_schema, constraints)
    paths: dict[str, dict[str, Any]] = {}
    for declaration in declarations:
        item = paths.setdefault(declaration.spec.path, {})
        operation = _operation(declaration, components)
        links = _links(declaration, declarations)
        if links:
            operation["responses"][str(declaration.spec.status)]["links"] = links
        item[declaration.spec.method.lower()] = operation
    info: dict[str, Any] = {"title": title, "version": version}
    info["description"] = description or (
        "REST routes of the marketplace. Each route is a named GraphQL operation run by the router; "
        "errors are `application/problem+json` (RFC 9457)."
    )
    return {
        "openapi": "3.1.0",
        "info": info,
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {
                **dict(sorted(components.schemas.items())),
                "Problem": _PROBLEM_SCHEMA,
                "GraphQLError": _GRAPHQL_ERROR_SCHEMA,
            },
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(declaration: Declaration, components: Components) -> dict[str, Any]:
    spec = declaration.spec
    tags = list(spec.tags) if spec.tags is not None else [spec.path.strip("/").split("/")[0]]
    operation: dict[str, Any] = {"operationId": declaration.name, "tags": tags}
    if spec.summary:
        operation["summary"] = spec.summary
    operation["description"] = f"Runs the GraphQL {declaration.operation.operation.value} `{declaration.name}`."
    parameters = _parameters(declaration, components)
    if parameters:
        operation["parameters"] = parameters
    if spec.method in BODY_METHODS:
        body = _request_body(declaration, components)
        if body is not None:
            operation["requestBody"] = body
    operation["responses"] = _responses(declaration, components)
    operation["security"] = [{}, {"bearerAuth": []}]
    return operation


def _parameters(declaration: Declaration, components: Components) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for spec in declaration.variables_from("path"):
        schema = _constrained(components, declaration, spec.name, spec.type)
        parameters.append({"name": spec.name, "in": "path", "required": True, "schema": _non_null(schema)})
    for spec in declaration.variables_from("query"):
        parameter: dict[str, Any] = {
            "name": spec.name,
            "in": "query",
            "required": spec.required,
            "schema": _constrained(components, declaration, spec.name, spec.type),
        }
        if spec.default is not None and spec.default is not Undefined:
            parameter["schema"] = {**parameter["schema"], "default": spec.default}
        if parameter["schema"].get("type") == "array" or "array" in (parameter["schema"].get("type") or ()):
            parameter["style"], parameter["explode"] = "form", True
        parameters.append(parameter)
    for spec in declaration.variables_from("header"):
        assert spec.header is not None
        if spec.header.lower() == "authorization":
            continue  # described by the bearerAuth security scheme
        parameters.append(
            {
                "name": spec.header,
                "in": "header",
                "required": spec.required and "field" not in spec.sources,
                "schema": _non_null(_constrained(components, declaration, spec.name, spec.type)),
                "description": f"Fills the operation's ${spec.name}.",
            }
        )
    return parameters


def _constrained(components: Components, declaration: Declaration, name: str, type_: Any) -> Schema:
    return with_keywords(components.input_schema(type_), components.constraints.for_variable(declaration.name, name))


def _one_of(declaration: Declaration, components: Components, properties: Schema) -> list[Schema] | None:
    """The body's ``oneOf`` branches, each requiring its fields non-null (as the REST layer checks)."""
    branches = components.constraints.bodies.get(declaration.name, {}).get("oneOf")
    if not branches:
        return None
    return [
        {"required": list(b["required"]), "properties": {n: _non_null(properties[n]) for n in b["required"]}}
        for b in branches
    ]


def _non_null(schema: Schema) -> Schema:
    return non_null(schema)


def _request_body(declaration: Declaration, components: Components) -> dict[str, Any] | None:
    body = declaration.variables_from("body")
    if body:
        spec = body[0]
        return {
            "required": isinstance(spec.type, GraphQLNonNull),
            "content": {"application/json": {"schema": _non_null(components.input_schema(spec.type))}},
        }
    fields = declaration.variables_from("field")
    if not fields:
        return None
    properties = {spec.name: _constrained(components, declaration, spec.name, spec.type) for spec in fields}
    for spec in fields:
        if spec.header is not None:
            properties[spec.name] = {
                **properties[spec.name],
                "description": f"Or give it in the {spec.header} header"
                + (f" ({spec.scheme} scheme)." if spec.scheme else "."),
            }
    required = [spec.name for spec in fields if spec.required and "header" not in spec.sources]
    schema: Schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    one_of = _one_of(declaration, components, properties)
    if one_of:
        schema["oneOf"] = one_of
    excluded = components.constraints.bodies.get(declaration.name, {}).get("not", {}).get("required")
    if excluded:
        # "not all of them given non-null" (the REST layer counts an explicit null as not given)
        schema["not"] = {"required": list(excluded), "properties": {n: {"not": {"type": "null"}} for n in excluded}}
    return {"required": bool(required or one_of), "content": {"application/json": {"schema": schema}}}


def _responses(declaration: Declaration, components: Components) -> dict[str, Any]:
    spec = declaration.spec
    responses: dict[str, Any] = {}
    success: dict[str, Any] = {"description": _success_description(declaration)}
    if spec.status != 204:
        schema = components.output_schema(
            _non_null_type(declaration.root_type), declaration.root_field.selection_set, declaration.fragments
        )
        success["content"] = {"application/json": {"schema": schema}}
    if declaration.is_subscription:
        return _event_stream_responses(success, schema)
    headers: dict[str, Any] = {}
    if spec.location is not None:
        headers["Location"] = _header(f"The URL of the resource ({spec.location}).", True)
    if spec.method == "GET":
        headers["ETag"] = _header("Entity tag of the body; send it back in If-None-Match.", True)
        if declaration.pagination is not None:
            headers["Link"] = _header('Pages: rel="first", "next", "prev", "last".')
    if headers:
        success["headers"] = headers
    responses[str(spec.status)] = success
    if spec.method == "GET":
        responses["304"] = {
            "description": "Not modified: the If-None-Match entity tag is still current.",
            "headers": {"ETag": _header("The current entity tag.", True)},
        }
    statuses = [400, 401, 403, 404, 422, 429, 502, 503, 504]
    if declaration.is_mutation:
        statuses.append(409)
    if spec.method in BODY_METHODS:
        statuses += [413, 415]
    for status in sorted(statuses):
        responses[str(status)] = _problem(status)
    responses["default"] = {
        "description": "Any other error.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    return responses


def _event_stream_responses(success: dict[str, Any], item: Schema) -> dict[str, Any]:
    """A subscription route: a text/event-stream whose ``update`` events carry the root field's value."""
    success["description"] = (
        "A text/event-stream (Server-Sent Events): `event: update` with the JSON below as `data` on every "
        "change, `event: problem` (a problem document) on an error, `event: complete` at the end, and "
        "comment lines as heartbeats."
    )
    success["content"] = {"text/event-stream": {"schema": {"type": "string"}, "x-itemSchema": item}}
    responses: dict[str, Any] = {"200": success}
    for status in (400, 401, 403, 404, 429, 502, 503):
        responses[str(status)] = _problem(status)
    responses["default"] = {
        "description": "Any other error.",
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    return responses


def _links(declaration: Declaration, declarations: Sequence[Declaration]) -> dict[str, Any]:
    """OpenAPI links from a created resource to the routes at its ``location:``.

    ``location: "/orders/{id}"`` on CreateOrder links its 202 to every route whose path has the same
    shape (GetOrder, UpdateOrder, CancelOrder...), each path parameter taken from the response body
    field the location names at that place. Clients and tools (schemathesis' stateful tests) follow them.
    """
    location = declaration.spec.location
    if location is None:
        return {}
    fields = PLACEHOLDER.findall(location)
    shape = PLACEHOLDER.sub("{}", location)
    links: dict[str, Any] = {}
    for target in declarations:
        if PLACEHOLDER.sub("{}", target.spec.path) != shape or target is declaration:
            continue
        parameters = {name: f"$response.body#/{field}" for name, field in zip(target.path_params, fields, strict=True)}
        links[target.name] = {"operationId": target.name, "parameters": parameters}
    return links


def _non_null_type(type_: Any) -> Any:
    # A null root value is answered as a 404 problem, so the success body is never null.
    return type_ if isinstance(type_, GraphQLNonNull) else GraphQLNonNull(type_)


def _success_description(declaration: Declaration) -> str:
    status = declaration.spec.status
    return {
        200: "The result.",
        201: "Created; Location is its URL.",
        202: "Accepted for processing; Location is where to follow it.",
        204: "Done; no content.",
    }[status]
