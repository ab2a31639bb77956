"""@interfaceObject: interface-level entity fetches, __typename rewrites, requires, non-resolvable."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "content": """
        interface Media @key(fields: "id") { id: ID! title: String }
        type Book implements Media @key(fields: "id") { id: ID! title: String pages: Int }
        type Movie implements Media @key(fields: "id") { id: ID! title: String minutes: Int }
        type Query { media: [Media] book: Book }
    """,
    "ratings": """
        type Media @key(fields: "id") @interfaceObject {
            id: ID!
            rating: Int
            title: String @external
            summary: String @requires(fields: "title")
        }
        type Query { topRated: [Media] }
    """,
    "hidden": """
        type Media @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }
        type Query { featured: Media }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_interface_object_field_from_interface() -> None:
    plan = plan_text(SUPERGRAPH, "{ media { title rating } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "content") {
              {
                media {
                  __typename
                  id
                  title
                }
              }
            },
            Flatten(path: "media.@") {
              Fetch(service: "ratings") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    rating
                  }
                }
              },
            },
          },
        }
        """
    )


def test_interface_object_field_from_concrete_type() -> None:
    plan = plan_text(SUPERGRAPH, "{ book { pages rating } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "content") {
              {
                book {
                  __typename
                  id
                  pages
                }
              }
            },
            Flatten(path: "book") {
              Fetch(service: "ratings") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    rating
                  }
                }
              },
            },
          },
        }
        """
    )


def test_interface_object_root_needs_concrete_typename() -> None:
    plan = plan_text(SUPERGRAPH, "{ topRated { __typename rating ... on Book { pages } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "ratings") {
              {
                topRated {
                  __typename
                  id
                  rating
                }
              }
            },
            Flatten(path: "topRated.@") {
              Fetch(service: "content") {
                {
                  ... on Media {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Media {
                    __typename
                    ... on Book {
                      pages
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_interface_object_with_requires() -> None:
    plan = plan_text(SUPERGRAPH, "{ media { summary } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "content") {
              {
                media {
                  __typename
                  id
                  title
                }
              }
            },
            Flatten(path: "media.@") {
              Fetch(service: "ratings") {
                {
                  ... on Media {
                    __typename
                    id
                    title
                  }
                } =>
                {
                  ... on Media {
                    summary
                  }
                }
              },
            },
          },
        }
        """
    )


def test_non_resolvable_interface_object_reached_indirectly() -> None:
    plan = plan_text(SUPERGRAPH, "{ featured { id title rating } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "hidden") {
              {
                featured {
                  __typename
                  id
                }
              }
            },
            Parallel {
              Flatten(path: "featured") {
                Fetch(service: "ratings") {
                  {
                    ... on Media {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Media {
                      rating
                    }
                  }
                },
              },
              Flatten(path: "featured") {
                Fetch(service: "content") {
                  {
                    ... on Media {
                      __typename
                      id
                    }
                  } =>
                  {
                    ... on Media {
                      __typename
                      title
                    }
                  }
                },
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ media { title rating } }", None),
    ("{ book { pages rating } }", None),
    ("{ topRated { __typename rating ... on Book { pages } } }", None),
    ("{ media { summary } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
