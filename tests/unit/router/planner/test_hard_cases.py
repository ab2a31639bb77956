"""Cases where mature gateways differ: partial unions below @shareable fields (Apollo drops the Pen and Cup
branches; we keep what the chosen subgraph can return), requirements through interfaces under @include."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "a": """
        type Query { shelf: Shelf @shareable }
        type Shelf @shareable { items: [Item] }
        union Item = Book | Pen
        type Book @key(fields: "id") { id: ID! title: String }
        type Pen @key(fields: "id") { id: ID! color: String }
        type Owner @key(fields: "id") { id: ID! media: Media }
        interface Media { title: String }
        type Disk implements Media @key(fields: "id") { id: ID! title: String }
    """,
    "b": """
        type Query { shelf: Shelf @shareable owner: Owner }
        type Shelf @shareable { items: [Item] }
        union Item = Book | Cup
        type Book @key(fields: "id") { id: ID! pages: Int }
        type Cup @key(fields: "id") { id: ID! size: Int }
        type Owner @key(fields: "id") {
            id: ID!
            media: Media @external
            label: String @requires(fields: "media { title ... on Disk { id } }")
        }
        interface Media { title: String }
        type Disk implements Media @key(fields: "id") { id: ID! title: String @external }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_partial_union_below_shareable_field() -> None:
    plan = plan_text(
        SUPERGRAPH, "{ shelf { items { ... on Book { title pages } ... on Pen { color } ... on Cup { size } } } }"
    )
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                shelf {
                  items {
                    __typename
                    ... on Book {
                      __typename
                      id
                      title
                    }
                    ... on Pen {
                      color
                    }
                  }
                }
              }
            },
            Flatten(path: "shelf.items.@") {
              Fetch(service: "b") {
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


def test_requires_through_interface_with_inline_fragment() -> None:
    plan = plan_text(SUPERGRAPH, "query($x: Boolean = true) { owner { label @include(if: $x) } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "b") {
              {
                owner {
                  __typename
                  id
                }
              }
            },
            Include(if: $x) {
              Sequence {
                Flatten(path: "owner") {
                  Fetch(service: "a") {
                    {
                      ... on Owner {
                        __typename
                        id
                      }
                    } =>
                    {
                      ... on Owner {
                        media {
                          __typename
                          title
                          ... on Disk {
                            id
                          }
                        }
                      }
                    }
                  },
                },
                Flatten(path: "owner") {
                  Fetch(service: "b") {
                    {
                      ... on Owner {
                        __typename
                        id
                        media {
                          title
                          ... on Disk {
                            id
                          }
                        }
                      }
                    } =>
                    {
                      ... on Owner {
                        label
                      }
                    }
                  },
                },
              }
            },
          },
        }
        """
    )
