"""Interfaces and unions spread across subgraphs: split per concrete type, intersections, Node."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "content": """
        interface Node { id: ID! }
        interface Media { id: ID! title: String }
        type Book implements Media & Node @key(fields: "id") { id: ID! title: String pages: Int }
        type Movie implements Media & Node @key(fields: "id") { id: ID! title: String minutes: Int }
        union SearchResult = Book | Movie
        type Query { media: [Media] search: [SearchResult] node(id: ID!): Node @shareable }
    """,
    "reviews": """
        type Book @key(fields: "id") { id: ID! rating: Int }
        type Movie @key(fields: "id") { id: ID! rating: Int reviewsCount: Int }
    """,
    "shop": """
        interface Node { id: ID! }
        type Album implements Node @key(fields: "id") { id: ID! artist: String }
        type Book implements Node @key(fields: "id") { id: ID! priceCents: Int }
        union SearchResult = Book | Album
        type Query { shopSearch: [SearchResult] node(id: ID!): Node @shareable }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_interface_fields_from_one_subgraph() -> None:
    plan = plan_text(SUPERGRAPH, "{ media { id title } }")
    assert plan == expected(
        """
        QueryPlan {
          Fetch(service: "content") {
            {
              media {
                __typename
                id
                title
              }
            }
          },
        }
        """
    )


def test_typename_and_one_concrete_type_hop() -> None:
    plan = plan_text(SUPERGRAPH, "{ media { __typename id ... on Movie { rating } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "content") {
              {
                media {
                  __typename
                  id
                  ... on Movie {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "media.@") {
              Fetch(service: "reviews") {
                {
                  ... on Movie {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Movie {
                    rating
                  }
                }
              },
            },
          },
        }
        """
    )


def test_concrete_fragments_hop_per_type() -> None:
    plan = plan_text(SUPERGRAPH, "{ media { ... on Book { pages rating } ... on Movie { reviewsCount } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "content") {
              {
                media {
                  __typename
                  ... on Book {
                    __typename
                    id
                    pages
                  }
                  ... on Movie {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "media.@") {
              Fetch(service: "reviews") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                  ... on Movie {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    rating
                  }
                  ... on Movie {
                    reviewsCount
                  }
                }
              },
            },
          },
        }
        """
    )


def test_union_members_differ_per_subgraph() -> None:
    plan = plan_text(SUPERGRAPH, "{ shopSearch { ... on Book { priceCents pages } ... on Album { artist } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "shop") {
              {
                shopSearch {
                  __typename
                  ... on Book {
                    __typename
                    id
                    priceCents
                  }
                  ... on Album {
                    artist
                  }
                }
              }
            },
            Flatten(path: "shopSearch.@") {
              Fetch(service: "content") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
                    pages
                  }
                }
              },
            },
          },
        }
        """
    )


def test_union_with_typename_alias() -> None:
    plan = plan_text(SUPERGRAPH, "{ search { kind: __typename ... on Movie { minutes rating } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "content") {
              {
                search {
                  __typename
                  kind: __typename
                  ... on Movie {
                    __typename
                    id
                    minutes
                  }
                }
              }
            },
            Flatten(path: "search.@") {
              Fetch(service: "reviews") {
                {
                  ... on Movie {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Movie {
                    rating
                  }
                }
              },
            },
          },
        }
        """
    )


def test_node_interface_across_subgraphs() -> None:
    plan = plan_text(
        SUPERGRAPH, "query($id: ID!) { node(id: $id) { id ... on Book { title priceCents } ... on Album { artist } } }"
    )
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "shop") {
              {
                node(id: $id) {
                  __typename
                  id
                  ... on Book {
                    __typename
                    id
                    priceCents
                  }
                  ... on Album {
                    artist
                  }
                }
              }
            },
            Flatten(path: "node") {
              Fetch(service: "content") {
                {
                  ... on Book {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Book {
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
    ("{ media { id title } }", None),
    ("{ media { __typename id ... on Movie { rating } } }", None),
    ("{ media { ... on Book { pages rating } ... on Movie { reviewsCount } } }", None),
    ("{ shopSearch { ... on Book { priceCents pages } ... on Album { artist } } }", None),
    ("{ search { kind: __typename ... on Movie { minutes rating } } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
