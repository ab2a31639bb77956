"""The users subgraph's SDL as the router composes it: a snapshot, so every change is a reviewed one."""

from __future__ import annotations

from pathlib import Path

import pytest

from subgraphs.users.schema import build_schema, schema

pytestmark = pytest.mark.users
SNAPSHOT = Path(__file__).with_name("users.graphql")


def service_sdl(query: str = "{ _service { sdl } }") -> str:
    result = schema.execute_sync(query)
    assert result.errors is None, result.errors
    assert result.data is not None
    sdl: str = result.data["_service"]["sdl"]
    return sdl


def test_the_sdl_matches_the_snapshot() -> None:
    assert service_sdl() == SNAPSHOT.read_text(), (
        "the users SDL changed; if intended, regenerate tests/unit/users/users.graphql"
    )


def test_the_user_entity_and_the_contract_operations_are_there() -> None:
    sdl = service_sdl()
    assert 'type User @key(fields: "id")' in sdl
    for operation in (
        "me: User",
        "user(id: ID!): User",
        "createUser(input: CreateUserInput!): User!",
        "updateUser(id: ID!, input: UpdateUserInput!): User!",
        "deleteUser(id: ID!): Boolean!",
        "authenticate(userId: ID!, password: String = null, refreshToken: String = null): AuthPayload!",
        "validateCredentials(userId: ID!, token: String = null, password: String = null): CredentialsValidity!",
    ):
        assert operation in sdl


def test_production_schema_refuses_introspection_but_serves_the_sdl() -> None:
    production = build_schema(mask_errors=True, introspection=False)
    introspection = production.execute_sync("{ __schema { types { name } } }")
    assert introspection.errors
    assert production.execute_sync("{ _service { sdl } }").errors is None
