"""Per-subgraph types (issue 14, classes 6-8): ``@join__implements`` per subgraph (a ``Node``
fragment split into the concrete types where some type does not implement ``Node`` there), per-subgraph
field types (``@join__field(type:)``: type conditions that cannot apply are dropped) and partial unions."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

IMPLEMENTS = compose(
    {
        "a": """
            type Query { kitchen: [Appliance] }
            interface Node { id: ID! }
            interface Appliance { id: ID! }
            type Oven implements Appliance & Node @key(fields: "id") { id: ID! }
            type Toaster implements Appliance @key(fields: "id") { id: ID! }
        """,
        "c": """
            type Query { node(id: ID!): Node }
            interface Node { id: ID! }
            type Toaster implements Node @key(fields: "id") { id: ID! slots: Int }
        """,
    }
)
FIELD_TYPES = compose(
    {
        "a": """
            type Query { viewer: Viewer @shareable }
            type Viewer @shareable { book: Book @shareable pages: Int }
            type Book @shareable { title: String }
        """,
        "b": """
            type Query { viewer: Viewer @shareable }
            type Viewer @shareable { book: Media @shareable }
            union Media = Book | Movie
            type Book @shareable { title: String }
            type Movie { title: String }
        """,
    }
)
PARTIAL_UNION = compose(
    {
        "a": 'type Query { media: [Media] } union Media = Book type Book @key(fields: "id") { id: ID! title: String }',
        "b": """
            type Query { featured: Media }
            union Media = Book | Movie
            type Book @key(fields: "id") { id: ID! pages: Int }
            type Movie @key(fields: "id") { id: ID! title: String }
        """,
    }
)
CASES = [
    (IMPLEMENTS, "{ kitchen { ... on Node { id } } }"),
    (FIELD_TYPES, "{ viewer { pages book { ... on Book { title } ... on Movie { title } } } }"),
    (FIELD_TYPES, "{ viewer { pages book { __typename ... on Movie { title } } } }"),
    (PARTIAL_UNION, "{ media { ... on Book { title pages } ... on Movie { title } } }"),
    (PARTIAL_UNION, "{ media { __typename ... on Movie { id } } }"),
    (PARTIAL_UNION, "{ featured { ... on Book { title } ... on Movie { title } } }"),
]


def test_node_fragment_split_into_concrete_types() -> None:
    assert plan_text(*CASES[0]) == expected(
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              kitchen {
                __typename
                ... on Oven {
                  id
                }
                ... on Toaster {
                  id
                }
              }
            }
          },
        }
        """
    )


def test_condition_that_cannot_apply_is_dropped() -> None:
    assert plan_text(*CASES[1]) == expected(
        """
        QueryPlan {
          Fetch(service: "a") {
            {
              viewer {
                pages
                book {
                  __typename
                  title
                }
              }
            }
          },
        }
        """
    )


@pytest.mark.parametrize("supergraph", [IMPLEMENTS, FIELD_TYPES, PARTIAL_UNION])
def test_same_plans_as_apollo(supergraph: str) -> None:
    queries = [q for s, q in CASES if s is supergraph]
    assert apollo_plans(supergraph, [(q, None) for q in queries]) == [plan_text(supergraph, q) for q in queries]
