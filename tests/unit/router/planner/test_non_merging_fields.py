"""Selections of one response key that the subgraph could not merge are aliased in the fetch, and
a ``KeyRenamer`` output rewrite moves each back (Apollo prints the alias, not the rewrite).

``User.name`` is ``String!`` and ``Admin.name`` is ``String`` in ``a``: sent unaliased in sibling
fragments, the subgraph would reject them (GraphQL's "fields can merge" rule)."""

from __future__ import annotations

import pytest
from graphql import parse

from router.display import rewrite_json
from router.query_plan import (
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    FlattenNode,
    InlineFragmentRequirement,
    PlanNode,
)
from tests.federation.support.apollo_planner import ApolloPlanner
from tests.unit.router.planner.support import apollo_plans, build_plan, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "a": """
        type Query { people: [Person!]! }
        interface Person @key(fields: "id") { id: ID! }
        type User implements Person @key(fields: "id") { id: ID! name: String! @shareable contact: Contact! @shareable }
        type Admin implements Person @key(fields: "id") { id: ID! name: String @shareable contact: Contact @shareable }
        type Contact @shareable { email: String }
    """,
    "b": """
        type User @key(fields: "id") {
            id: ID! name: String @shareable contact: Contact @shareable nickname: String! @shareable
        }
        type Admin @key(fields: "id") {
            id: ID! name: String @shareable contact: Contact @shareable nickname: String @shareable
        }
        type Contact @shareable { email: String }
    """,
    "c": """
        type Query { featured: User }
        type User @key(fields: "id", resolvable: false) { id: ID! nickname: String @shareable }
    """,
    "d": """
        type Person @key(fields: "id") @interfaceObject { id: ID! greeting(lang: String!): String }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)

LEAVES = "{ people { ... on User { name } ... on Admin { name } } }"
OBJECTS = "{ people { ... on User { contact { email } } ... on Admin { contact { email } } } }"
ENTITIES = "{ people { ... on User { nickname } ... on Admin { nickname } } }"
ARGUMENTS = '{ people { ... on User { g: greeting(lang: "en") } ... on Admin { g: greeting(lang: "fr") } } }'
SAME_TYPES = "{ people { ... on User { contact { email } } ... on Admin { name } } }"


def _fetches(node: PlanNode | None) -> list[FetchNode]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return [node.node]
    return [fetch for child in getattr(node, "nodes", ()) for fetch in _fetches(child)]


def _renames(query: str) -> list[tuple[FetchRewrite, ...]]:
    return [fetch.output_rewrites for fetch in _fetches(build_plan(SUPERGRAPH, query).node)]


def test_leaf_types_that_cannot_merge_are_aliased() -> None:
    assert plan_text(SUPERGRAPH, LEAVES) == expected(
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              people {
                __typename
                ... on User {
                  name
                }
                ... on Admin {
                  name__alias_0: name
                }
              }
            }
          },
        }
        """
    )
    # The path and new key of Apollo's KeyRenamer for this plan.
    assert _renames(LEAVES) == [(FetchRewrite.key_renamer(("people", "... on Admin", "name__alias_0"), "name"),)]


def test_object_types_that_cannot_merge_are_aliased() -> None:
    plan = plan_text(SUPERGRAPH, OBJECTS)
    assert "contact__alias_0: contact {" in plan
    assert _renames(OBJECTS) == [(FetchRewrite.key_renamer(("people", "... on Admin", "contact__alias_0"), "contact"),)]


def test_types_that_cannot_merge_in_an_entity_fetch() -> None:
    assert plan_text(SUPERGRAPH, ENTITIES) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                people {
                  __typename
                  ... on User {
                    __typename
                    id
                  }
                  ... on Admin {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "people.@") {
              Fetch(service: "b") {
                {
                  ... on User {
                    __typename
                    id
                  }
                  ... on Admin {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    nickname
                  }
                  ... on Admin {
                    nickname__alias_0: nickname
                  }
                }
              },
            },
          },
        }
        """
    )
    assert _renames(ENTITIES) == [
        (),
        (FetchRewrite.key_renamer(("... on Admin", "nickname__alias_0"), "nickname"),),
    ]


def test_other_arguments_on_one_interface_object_type_are_aliased_per_concrete_type() -> None:
    """``d`` sees ``... on User`` and ``... on Admin`` as ``Person``: both ``g`` land in one
    selection. Apollo's planner keeps only ``g: greeting(lang: "en")`` (admins get the English
    greeting); we alias the second and rename it back for ``Admin`` objects only."""
    plan = plan_text(SUPERGRAPH, ARGUMENTS)
    assert (
        """
          ... on Person {
            g: greeting(lang: "en")
            g__alias_0: greeting(lang: "fr")
          }"""
        in plan
    )
    assert _renames(ARGUMENTS) == [
        (),
        (FetchRewrite.key_renamer(("... on Person", "... on Admin", "g__alias_0"), "g"),),
    ]


def test_nothing_aliased_when_fields_merge() -> None:
    assert _renames(SAME_TYPES) == [()]
    assert "__alias" not in plan_text(SUPERGRAPH, SAME_TYPES)


APOLLO_IDENTICAL = [(LEAVES, None), (OBJECTS, None), (ENTITIES, None), (SAME_TYPES, None)]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)


def test_same_output_rewrites_as_apollo() -> None:
    """Apollo's JSON plans carry the same ``KeyRenamer``s (path and new key) as ours."""
    apollo = ApolloPlanner(SUPERGRAPH)
    try:
        for query, _ in APOLLO_IDENTICAL:
            theirs = [
                [rewrite_json(r) for r in fetch.output_rewrites]
                for fetch in _fetches(apollo.build_query_plan(parse(query)).node)
            ]
            ours = [[rewrite_json(r) for r in rewrites] for rewrites in _renames(query)]
            assert ours == theirs, query
    finally:
        apollo.close()


def test_key_field_aliased_when_the_client_gave_its_name_to_another_field() -> None:
    query = "{ people { ... on User { id: name nickname } } }"
    plan = plan_text(SUPERGRAPH, query)
    assert "id__alias_0: id\n" in plan
    assert "id: name\n" in plan
    entity_fetch = _fetches(build_plan(SUPERGRAPH, query).node)[1]
    assert entity_fetch.requires == (
        InlineFragmentRequirement("User", (FieldRequirement("__typename"), FieldRequirement("id", (), "id__alias_0"))),
    )
