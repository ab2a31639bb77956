"""Loading an Apollo-composed supergraph: the API schema hides the machinery and @inaccessible."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from tests.unit.router.planner.support import compose, expected, plan_text, supergraph_of

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "users": """
        type Query { user(id: ID!): User search(filter: Filter): [User] }
        type User @key(fields: "id") @key(fields: "internalId") {
            id: ID! internalId: ID! @inaccessible name: String @tag(name: "public") role: Role
            legacy: Legacy @inaccessible
        }
        enum Role { ADMIN USER SECRET @inaccessible }
        input Filter { name: String debug: Boolean @inaccessible }
        type Legacy @inaccessible { x: Int }
    """,
    "billing": """
        type User @key(fields: "internalId") { internalId: ID! @inaccessible plan: String }
        enum Role { ADMIN USER SECRET @inaccessible SUPPORT }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_api_schema_drops_join_link_and_inaccessible_elements() -> None:
    assert supergraph_of(SUPERGRAPH).api_schema_sdl.strip() == expected(
        """
        input Filter {
          name: String
        }

        type Query {
          user(id: ID!): User
          search(filter: Filter): [User]
        }

        enum Role {
          ADMIN
          USER
          SUPPORT
        }

        type User {
          plan: String
          id: ID!
          name: String
          role: Role
        }
        """
    )


@pytest.mark.parametrize(
    "query",
    [
        '{ user(id: "1") { internalId } }',
        '{ user(id: "1") { legacy { x } } }',
        "{ search(filter: { debug: true }) { id } }",
        '{ search(filter: { name: "SECRET" }) { role } } query Q { user(id: "1") { role } }',
    ],
)
def test_using_inaccessible_elements_is_a_validation_error(query: str) -> None:
    api = supergraph_of(SUPERGRAPH).api_schema
    document = parse(query)
    errors = validate(api, document)
    if "SECRET" in query:  # an enum value is only checked where it is typed as the enum
        errors = validate(api, parse("{ search(filter: { name: SECRET }) { id } }"))
    assert errors


def test_full_schema_still_has_everything() -> None:
    supergraph = supergraph_of(SUPERGRAPH)
    user = supergraph.schema.get_type("User")
    assert user is not None
    assert "internalId" in user.fields  # type: ignore[attr-defined]
    assert supergraph.schema.get_type("join__Graph") is not None


def test_inaccessible_key_is_still_used_by_plans() -> None:
    plan = plan_text(SUPERGRAPH, '{ user(id: "1") { name plan } }')
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "users") {
              {
                user(id: "1") {
                  __typename
                  internalId
                  name
                }
              }
            },
            Flatten(path: "user") {
              Fetch(service: "billing") {
                {
                  ... on User {
                    __typename
                    internalId
                  }
                } =>
                {
                  ... on User {
                    plan
                  }
                }
              },
            },
          },
        }
        """
    )
