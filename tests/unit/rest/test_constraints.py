"""constraints.yaml: stated in /openapi.json, and the same document stays valid OpenAPI 3.1."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from graphql import GraphQLSchema

from router.rest import DEFAULT_DIRECTORY, Declaration, openapi_document
from router.rest.constraints import body_violation, load_constraints, violation
from router.rest.json_schema import NO_CONTROL_CHARACTERS
from subgraphs.orders.domain import MAX_ADDRESS_LENGTH
from subgraphs.products.money import MINOR_UNITS
from subgraphs.products.service.validation import MAX_CATEGORY, MAX_DESCRIPTION, MAX_NAME

pytestmark = pytest.mark.router


@pytest.fixture(scope="module")
def document(declarations: dict[str, Declaration], api_schema: GraphQLSchema) -> dict[str, Any]:
    return openapi_document(list(declarations.values()), api_schema, constraints=load_constraints(DEFAULT_DIRECTORY))


def test_the_constrained_document_is_valid_openapi(document: dict[str, Any]) -> None:
    schemathesis.openapi.from_dict(document).validate()


def test_the_issues_three_gaps_are_stated(document: dict[str, Any]) -> None:
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/products"]["get"]["parameters"]}
    assert parameters["minPrice"]["minimum"] == 0
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 100)
    email = document["components"]["schemas"]["CreateUserInput"]["properties"]["email"]
    assert email["allOf"][0]["pattern"].startswith("^[^@")
    assert not re.search(email["allOf"][0]["pattern"], "")
    auth = document["paths"]["/users/{id}/auth"]["post"]["requestBody"]
    assert auth["required"] is True
    assert [b["required"] for b in auth["content"]["application/json"]["schema"]["oneOf"]] == [
        ["password"],
        ["refreshToken"],
    ]


def test_every_text_input_refuses_control_characters(document: dict[str, Any]) -> None:
    assert parameters_pattern(document, "/products", "q") == NO_CONTROL_CHARACTERS
    assert re.search(NO_CONTROL_CHARACTERS.encode().decode("unicode_escape"), "a desk\ttab")
    assert not re.search(NO_CONTROL_CHARACTERS.encode().decode("unicode_escape"), "nul\x00")


def parameters_pattern(document: dict[str, Any], path: str, name: str) -> str:
    for parameter in document["paths"][path]["get"]["parameters"]:
        if parameter["name"] == name:
            schema = parameter["schema"]
            return str(schema.get("pattern") or schema["anyOf"][0]["pattern"])
    raise AssertionError(name)


def test_violations() -> None:
    assert violation(-1, {"minimum": 0}) == "must be 0 or more"
    assert violation(True, {"minimum": 2}) is None
    assert violation("", {"pattern": r"\S"}) == "is not in the expected form (see the pattern in /openapi.json)"
    assert violation("short", {"minLength": 12}) == "must have at least 12 characters"
    one_of = {"oneOf": [{"required": ["password"]}, {"required": ["refreshToken"]}]}
    assert body_violation({}, one_of) == "give exactly one of password or refreshToken"
    assert body_violation({"password": "x", "refreshToken": "y"}, one_of) is not None
    assert body_violation({"password": None, "refreshToken": "y"}, one_of) is None


def component_pattern(document: dict[str, Any], schema: str, field: str) -> str:
    stated = document["components"]["schemas"][schema]["properties"][field]
    stated = stated["anyOf"][0] if "anyOf" in stated else stated
    return str(stated["allOf"][0]["pattern"])


def parameter(document: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    for found in document["paths"][path][method]["parameters"]:
        if found["name"] == name:
            return dict(found["schema"])
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("schema", "field", "inside", "outside"),
    [
        # (stated in the document: the subgraph's limit after stripping, so spaces around do not count)
        ("CreateProductInput", "name", " " + "n" * 200 + " ", "n" * 201),
        ("CreateProductInput", "name", "n", "  \u3000"),
        ("CreateProductInput", "category", "c" * 100, "c" * 101),
        ("CreateProductInput", "description", "", "d" * 5001),
        ("UpdateProductInput", "name", "n" * 200, ""),
        ("MoneyInput", "currency", " eur ", "EURO"),
        ("MoneyInput", "currency", "JPY", "XXX"),
        ("CreateOrderInput", "shippingAddress", "a" * 1000, "a" * 1001),
        ("CreateOrderInput", "shippingAddress", "1 Main St", " \t"),
        ("OrderItemInput", "productId", "{" + "A" * 32 + "}", "not-a-uuid"),
        ("OrderItemInput", "productId", "6f1c2f0e-5a3b-5c1d-9e8f-0a1b2c3d4e5f", "6f1c2f0e-5a3b-5c1d-9e8f-0a1b2c3d4e5"),
        ("TrackingInput", "carrier", "c" * 100, "c" * 101),
        ("TrackingInput", "trackingNumber", "1Z", ""),
        ("TrackingInput", "trackingUrl", "HTTPS://track.example/1Z?x=1", "ftp://track.example/1Z"),
        ("TrackingInput", "trackingUrl", "  ", "http://"),
    ],
)
def test_the_subgraphs_text_rules_are_stated(
    document: dict[str, Any], schema: str, field: str, inside: str, outside: str
) -> None:
    pattern = component_pattern(document, schema, field)
    assert re.search(pattern, inside)
    assert not re.search(pattern, outside)


def test_the_subgraphs_bounds_are_stated(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert schemas["MoneyInput"]["properties"]["amount"]["minimum"] == 0
    assert schemas["CreateProductInput"]["properties"]["stock"]["minimum"] == 0
    items = schemas["CreateOrderInput"]["properties"]["items"]
    assert (items["minItems"], items["maxItems"]) == (1, 50)
    quantity = schemas["OrderItemInput"]["properties"]["quantity"]
    assert (quantity["minimum"], quantity["maximum"]) == (1, 1000)
    assert schemas["UpdateProductInput"]["minProperties"] == 1
    # null is refused for these (the subgraph says "leave it out"), but still allowed for description
    update = schemas["UpdateProductInput"]["properties"]
    assert update["name"]["type"] == "string"
    assert update["stock"]["type"] == "integer"
    assert update["price"] == {"$ref": "#/components/schemas/MoneyInput"}
    assert "null" in update["description"]["type"]
    key = component_pattern_of(parameter(document, "/orders", "post", "Idempotency-Key"))
    assert re.search(key, " " + "k" * 200 + " ")
    assert re.search(key, "\u00a0")  # blank: the header counts as absent
    assert not re.search(key, "k" * 201)
    replace = document["paths"]["/products/{id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert replace["properties"]["stock"]["minimum"] == 0
    assert re.search(component_pattern_of(replace["properties"]["name"]), "n" * 200)
    currency = parameter(document, "/products", "get", "currency")
    assert re.search(component_pattern_of(currency), "gbp")
    assert not re.search(component_pattern_of(currency), "GB")
    valid = document["paths"]["/users/{id}/auth-valid"]["post"]["requestBody"]["content"]["application/json"]
    assert valid["schema"]["not"]["required"] == ["token", "password"]


def component_pattern_of(stated: dict[str, Any]) -> str:
    return str(stated["allOf"][0]["pattern"])


def test_new_keywords() -> None:
    assert violation([], {"minItems": 1}) == "must have at least 1 items"
    assert violation([1, 2], {"maxItems": 1}) == "must have at most 1 items"
    assert violation(None, {"nonNull": True}) == "must not be null"
    assert violation(None, {"minimum": 0}) is None
    excluded = {"not": {"required": ["token", "password"]}}
    assert body_violation({"token": "t", "password": "p"}, excluded) == "give at most one of token or password"
    assert body_violation({"token": None, "password": "p"}, excluded) is None


def test_the_currency_pattern_is_the_subgraphs_list(document: dict[str, Any]) -> None:
    pattern = component_pattern(document, "MoneyInput", "currency")
    for code in MINOR_UNITS:
        assert re.search(pattern, code), code
        assert re.search(pattern, f" {code.lower()}\t"), code
    refused = [c for c in ("XXX", "XAU", "EURO", "EU", "") if re.search(pattern, c)]
    assert refused == []
    assert document["components"]["schemas"]["MoneyInput"]["properties"]["currency"]["maxLength"] == 64


@pytest.mark.parametrize(
    ("schema", "field", "limit"),
    [
        ("CreateProductInput", "name", MAX_NAME),
        ("CreateProductInput", "category", MAX_CATEGORY),
        ("CreateProductInput", "description", MAX_DESCRIPTION),
        ("CreateOrderInput", "shippingAddress", MAX_ADDRESS_LENGTH),
    ],
)
def test_trimmed_lengths_are_the_subgraphs_constants(
    document: dict[str, Any], schema: str, field: str, limit: int
) -> None:
    pattern = component_pattern(document, schema, field)
    assert re.search(pattern, "\u3000 " + "x" * limit + " \n")
    assert not re.search(pattern, "x" * (limit + 1))
    assert not re.search(pattern, "x" + " " * (limit - 1) + "x")
