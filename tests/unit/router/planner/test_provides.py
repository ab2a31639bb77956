"""@provides (nested, on union-typed fields) and @external: provided fields come with the parent fetch."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "accounts": """
        type User @key(fields: "id") { id: ID! name: String @shareable email: String address: Address @shareable }
        type Address { city: String @shareable zip: String @shareable }
    """,
    "reviews": """
        type Query { reviews: [Review] latest: Review }
        type Review @key(fields: "id") {
            id: ID!
            body: String
            author: User @provides(fields: "name address { city }")
            editor: User
            media: Media @provides(fields: "... on Book { title }")
        }
        type User @key(fields: "id") { id: ID! name: String @external address: Address @external }
        type Address { city: String @external }
        union Media = Book | Film
        type Book @key(fields: "isbn") { isbn: ID! title: String @external }
        type Film @key(fields: "id") { id: ID! }
    """,
    "catalog": """
        type Book @key(fields: "isbn") { isbn: ID! title: String @shareable year: Int }
        type Film @key(fields: "id") { id: ID! title: String }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_provided_fields_need_no_hop() -> None:
    plan = plan_text(SUPERGRAPH, "{ reviews { body author { name } } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "reviews") {
            {
              reviews {
                body
                author {
                  name
                }
              }
            }
          },
        }
        """
    )


def test_nested_provided_fields_need_no_hop() -> None:
    plan = plan_text(SUPERGRAPH, "{ reviews { author { name address { city } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "reviews") {
            {
              reviews {
                author {
                  name
                  address {
                    city
                  }
                }
              }
            }
          },
        }
        """
    )


def test_unprovided_field_hops() -> None:
    plan = plan_text(SUPERGRAPH, "{ reviews { author { name email address { zip } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                reviews {
                  author {
                    __typename
                    id
                    name
                  }
                }
              }
            },
            Flatten(path: "reviews.@.author") {
              Fetch(service: "accounts") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    email
                    address {
                      zip
                    }
                  }
                }
              },
            },
          },
        }
        """
    )


def test_same_field_without_provides_hops() -> None:
    plan = plan_text(SUPERGRAPH, "{ reviews { editor { name } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                reviews {
                  editor {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "reviews.@.editor") {
              Fetch(service: "accounts") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    name
                  }
                }
              },
            },
          },
        }
        """
    )


def test_provides_on_union_field() -> None:
    plan = plan_text(SUPERGRAPH, "{ latest { media { ... on Book { title year } ... on Film { title } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "reviews") {
              {
                latest {
                  media {
                    __typename
                    ... on Book {
                      __typename
                      isbn
                      title
                    }
                    ... on Film {
                      __typename
                      id
                    }
                  }
                }
              }
            },
            Flatten(path: "latest.media") {
              Fetch(service: "catalog") {
                {
                  ... on Book {
                    __typename
                    isbn
                  }
                  ... on Film {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    year
                  }
                  ... on Film {
                    title
                  }
                }
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ reviews { body author { name } } }", None),
    ("{ reviews { author { name address { city } } } }", None),
    ("{ reviews { author { name email address { zip } } } }", None),
    ("{ reviews { editor { name } } }", None),
    ("{ latest { media { ... on Book { title year } ... on Film { title } } } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
