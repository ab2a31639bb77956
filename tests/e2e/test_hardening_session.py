"""Issue 13 against the real platform (`marketplace up`: router, subgraphs, PostgreSQL, worker).

1. Clean input: for every string argument of the API schema (root fields' arguments and the string
   fields of their input objects), hypothesis sends text with control characters (always a 400
   ``BAD_USER_INPUT``, before any subgraph) and arbitrary text (never a 5xx).
2. Logs: a short mixed session of client errors (conflict, wrong password, missing token, NUL in a
   search, bad JSON, a refused limit) and successes leaves no traceback and nothing at ERROR or above
   in any process's log.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_client_schema,
    get_introspection_query,
    get_named_type,
)
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.integration.rest.real_stack import embedded_redis
from tests.support.stack import RunningStack, running_platform

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

PASSWORD = "correct horse battery staple"
CONTROL = st.sampled_from([chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 127)])
TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8)
BAD_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, private_database_url: str) -> Iterator[RunningStack]:
    data_dir = Path(tmp_path_factory.mktemp("hardening-platform"))
    with (
        embedded_redis(data_dir / "redis") as broker_url,
        running_platform(data_dir, database_url=private_database_url, broker_url=broker_url) as running,
    ):
        yield running


@pytest.fixture(scope="module")
def client(stack: RunningStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("router"), timeout=30) as http:
        yield http


@pytest.fixture(scope="module")
def schema(client: httpx.Client) -> GraphQLSchema:
    answer = client.post("/graphql", json={"query": get_introspection_query()}).json()
    return build_client_schema(answer["data"])


def _literal(type_: GraphQLInputType) -> str | None:
    """A literal for a required argument, or ``None`` when optional (left out)."""
    if not isinstance(type_, GraphQLNonNull):
        return None
    inner = type_.of_type
    if isinstance(inner, GraphQLList):
        return "[]"
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLInputObjectType):
        fields = [f"{n}: {v}" for n, f in inner.fields.items() if (v := _literal(f.type)) is not None]
        return "{" + ", ".join(fields) + "}"
    return {"Int": "1", "Float": "1.5", "Boolean": "true", "ID": '"00000000-0000-0000-0000-000000000000"'}.get(
        getattr(inner, "name", ""), '"x"'
    )


def _is_text(type_: GraphQLInputType) -> bool:
    named = get_named_type(type_)
    return isinstance(named, GraphQLScalarType) and named.name in ("String", "ID")


def string_arguments(schema: GraphQLSchema) -> list[tuple[str, str]]:
    """(operation text using ``$v``, label) for each string argument and input-object string field."""
    found: list[tuple[str, str]] = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is None:
            continue
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                if _is_text(arg.type):
                    found.append((_operation(kind, field_name, field, arg_name, None), f"{field_name}({arg_name})"))
                named = get_named_type(arg.type)
                if isinstance(named, GraphQLInputObjectType):
                    for input_field, definition in named.fields.items():
                        if _is_text(definition.type):
                            text = _operation(kind, field_name, field, arg_name, input_field)
                            found.append((text, f"{field_name}({arg_name}.{input_field})"))
    return found


def _operation(kind: str, name: str, field: GraphQLField, target: str, input_field: str | None) -> str:
    args = []
    for arg_name, arg in field.args.items():
        if arg_name == target:
            if input_field is None:
                args.append(f"{arg_name}: $v")
                continue
            named = get_named_type(arg.type)
            assert isinstance(named, GraphQLInputObjectType)
            parts = [f"{input_field}: $v"] + [
                f"{n}: {v}" for n, f in named.fields.items() if n != input_field and (v := _literal(f.type)) is not None
            ]
            args.append(f"{arg_name}: {{{', '.join(parts)}}}")
        elif (value := _literal(arg.type)) is not None:
            args.append(f"{arg_name}: {value}")
    selection = " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
    if not isinstance(get_named_type(field.type), GraphQLObjectType | GraphQLScalarType | GraphQLEnumType):
        selection = " { __typename }"
    call = f"{name}({', '.join(args)})" if args else name
    return f"{kind}($v: String) {{ {call}{selection} }}"


def test_every_string_argument_refuses_control_characters_and_never_fails(
    client: httpx.Client, schema: GraphQLSchema
) -> None:
    operations = string_arguments(schema)
    assert len(operations) >= 10, operations  # the API does have string arguments
    seen: dict[str, list[int]] = {}

    @given(
        index=st.integers(0, len(operations) - 1), before=st.text(max_size=8), bad=CONTROL, after=st.text(max_size=8)
    )
    @settings(
        max_examples=len(operations) * 4,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(index: int, before: str, bad: str, after: str) -> None:
        query, label = operations[index]
        refused = client.post("/graphql", json={"query": query, "variables": {"v": before + bad + after}})
        assert refused.status_code == 400, (label, refused.text)
        assert refused.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", (label, refused.text)
        free = client.post("/graphql", json={"query": query, "variables": {"v": before + after}})
        assert free.status_code < 500, (label, free.text)
        assert "json" in free.headers["content-type"]
        for error in free.json().get("errors") or ():
            assert error["extensions"]["code"] != "INTERNAL_SERVER_ERROR", (label, error)
        seen.setdefault(label, []).append(free.status_code)

    check()
    assert len(seen) >= len(operations) // 2  # hypothesis reached most of them


def test_rest_search_with_nul_is_a_problem_document(client: httpx.Client) -> None:
    response = client.get("/products", params={"q": "\x00"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "BAD_USER_INPUT"


def test_a_mixed_session_logs_no_error_and_no_traceback(client: httpx.Client, stack: RunningStack) -> None:
    start = len(stack.lines)
    email = f"logs-{uuid.uuid4().hex[:8]}@example.com"
    user = client.post("/users", json={"email": email, "name": "Logs", "password": PASSWORD})
    assert user.status_code == 201
    user_id = user.json()["id"]
    answers: list[int] = [
        client.post("/users", json={"email": email, "name": "Again", "password": PASSWORD}).status_code,  # 409
        client.post(f"/users/{user_id}/auth", json={"password": "not the password at all"}).status_code,  # 401
        client.get(f"/users/{user_id}").status_code,  # 401: no token
        client.get("/orders/00000000-0000-0000-0000-000000000000").status_code,  # 401
        client.get("/products", params={"q": "desk\x00"}).status_code,  # 400
        client.post("/users", content=b"{not json", headers={"content-type": "application/json"}).status_code,
        client.get("/products", params={"limit": "abc"}).status_code,
        client.post("/graphql", json={"query": "{ me { nope } }"}).status_code,
        client.post("/graphql", json={"query": "mutation { __typename } subscription { __typename }"}).status_code,
        client.post("/graphql", json={"query": "{ products { " + "id " * 500 + "} }"}).status_code,
        client.post("/graphql", json={"query": "{ me { id } }"}).status_code,  # UNAUTHENTICATED in the body
    ]
    token = client.post(f"/users/{user_id}/auth", json={"password": PASSWORD}).json()["accessToken"]
    headers = {"Authorization": f"Bearer {token}"}
    answers.append(client.get(f"/users/{user_id}", headers=headers).status_code)
    answers.append(client.get("/products", params={"q": "desk", "limit": 3}).status_code)
    answers.append(client.post("/orders", json={"items": []}, headers=headers).status_code)
    assert all(status < 500 for status in answers), answers
    assert answers[0] == 409
    logged = stack.lines[start:]
    assert any("client error" in line and "INFO" in line for line in logged), "\n".join(logged[-40:])
    bad = [line for line in stack.lines if BAD_LINE.search(line)]
    assert not bad, "\n".join(bad[:40])
