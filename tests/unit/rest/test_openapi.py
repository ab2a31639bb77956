"""The generated OpenAPI 3.1 document: valid, and faithful to the declarations and the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from graphql import GraphQLSchema

from router.rest import Declaration, openapi_document
from router.rest.json_schema import NO_CONTROL_CHARACTERS

pytestmark = pytest.mark.router


@pytest.fixture(scope="module")
def document(declarations: dict[str, Declaration], api_schema: GraphQLSchema) -> dict[str, Any]:
    return openapi_document(list(declarations.values()), api_schema)


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][path][method]
    return found


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()


def test_parameters_come_from_the_variables(document: dict[str, Any]) -> None:
    listing = operation(document, "get", "/products")
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert set(parameters) == {
        "limit",
        "offset",
        "q",
        "category",
        "sellerId",
        "minPrice",
        "maxPrice",
        "currency",
        "inStock",
    }
    assert parameters["limit"] == {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {
            "type": ["integer", "null"],
            "format": "int32",
            "minimum": -(2**31),
            "maximum": 2**31 - 1,
            "default": 20,
        },
    }
    assert parameters["inStock"]["schema"] == {"type": ["boolean", "null"]}
    get = operation(document, "get", "/products/{id}")
    id_schema = {"type": "string", "pattern": NO_CONTROL_CHARACTERS}
    assert get["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": id_schema}]
    create_order = operation(document, "post", "/orders")
    header = next(p for p in create_order["parameters"] if p["in"] == "header")
    assert (header["name"], header["required"]) == ("Idempotency-Key", False)


def test_request_bodies_come_from_input_types(document: dict[str, Any]) -> None:
    create = operation(document, "post", "/products")["requestBody"]
    assert create["required"] is True
    assert create["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/CreateProductInput"}
    schema = document["components"]["schemas"]["CreateProductInput"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "price", "category"]  # description and stock have defaults
    assert schema["properties"]["price"] == {"$ref": "#/components/schemas/MoneyInput"}
    replace = operation(document, "put", "/users/{id}")["requestBody"]["content"]["application/json"]["schema"]
    assert replace["required"] == ["email", "name", "password"]
    assert replace["additionalProperties"] is False
    patch = document["components"]["schemas"]["UpdateUserInput"]
    assert "required" not in patch
    auth_valid = operation(document, "post", "/users/{id}/auth-valid")["requestBody"]
    assert auth_valid["required"] is False
    assert "Authorization" in auth_valid["content"]["application/json"]["schema"]["properties"]["token"]["description"]


def test_response_schemas_follow_the_selection_set(document: dict[str, Any]) -> None:
    get = operation(document, "get", "/orders/{id}")
    ok = get["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    assert schema["type"] == "object"
    assert schema["required"] == [
        "id",
        "status",
        "buyer",
        "items",
        "total",
        "shippingAddress",
        "tracking",
        "events",
        "rejectionReason",
        "createdAt",
        "updatedAt",
    ]
    assert schema["properties"]["status"] == {"$ref": "#/components/schemas/OrderStatus"}
    assert schema["properties"]["buyer"]["properties"].keys() == {"id", "name"}
    assert schema["properties"]["total"]["type"] == ["object", "null"]
    assert schema["properties"]["createdAt"] == {"type": "string", "format": "date-time"}
    assert set(ok["headers"]) == {"ETag"}
    assert "304" in get["responses"]
    assert document["components"]["schemas"]["OrderStatus"]["enum"][0] == "PENDING"


def test_statuses_and_headers_of_each_kind_of_route(document: dict[str, Any]) -> None:
    created = operation(document, "post", "/users")["responses"]
    assert "201" in created
    assert created["201"]["headers"]["Location"]["required"] is True
    queued = operation(document, "post", "/orders")["responses"]
    assert "202" in queued
    assert "409" in queued
    deleted = operation(document, "delete", "/products/{id}")["responses"]
    assert "content" not in deleted["204"]
    listing = operation(document, "get", "/products")["responses"]
    assert "Link" in listing["200"]["headers"]
    assert listing["429"]["headers"]["Retry-After"]["required"] is True
    problem = listing["404"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert "409" not in listing


def test_created_resources_link_to_the_routes_at_their_location(document: dict[str, Any]) -> None:
    links = operation(document, "post", "/orders")["responses"]["202"]["links"]
    assert set(links) == {"GetOrder", "ReplaceOrder", "UpdateOrder", "CancelOrder"}
    assert links["GetOrder"] == {"operationId": "GetOrder", "parameters": {"id": "$response.body#/id"}}
    users = operation(document, "post", "/users")["responses"]["201"]["links"]
    assert "AuthenticateUser" not in users  # /users/{id}/auth is not at the location
    assert set(users) == {"GetUser", "ReplaceUser", "UpdateUser", "DeleteUser"}


def test_every_operation_is_named_after_its_graphql_operation(
    document: dict[str, Any], declarations: dict[str, Declaration]
) -> None:
    ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert ids == set(declarations)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
