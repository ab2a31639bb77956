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
