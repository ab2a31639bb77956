"""@shareable root and nested fields: the subgraph needing the fewest hops is chosen."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "users": """
        type Query { me: User @shareable }
        type User @key(fields: "id") { id: ID! name: String @shareable }
    """,
    "profiles": """
        type Query { me: User @shareable }
        type User @key(fields: "id") { id: ID! name: String @shareable bio: String avatar: Image @shareable }
        type Image @shareable { url: String size: Int }
    """,
    "media": """
        type User @key(fields: "id") { id: ID! avatar: Image @shareable gallery: [Image] }
        type Image @shareable { url: String size: Int }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_shareable_root_field_in_first_subgraph() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { name } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "profiles") {
            {
              me {
                name
              }
            }
          },
        }
        """
    )


def test_shareable_root_field_where_the_rest_lives() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { name bio } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "profiles") {
            {
              me {
                name
                bio
              }
            }
          },
        }
        """
    )


def test_shareable_nested_field_stays_in_current_subgraph() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { bio avatar { url } } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "profiles") {
            {
              me {
                bio
                avatar {
                  url
                }
              }
            }
          },
        }
        """
    )


def test_shareable_nested_field_follows_other_fields() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { gallery { url } avatar { size } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "profiles") {
              {
                me {
                  __typename
                  id
                  avatar {
                    size
                  }
                }
              }
            },
            Flatten(path: "me") {
              Fetch(service: "media") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    gallery {
                      url
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ me { name } }", None),
    ("{ me { bio avatar { url } } }", None),
    ("{ me { gallery { url } avatar { size } } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
