"""Cases where mature gateways differ: partial unions below @shareable fields (Apollo drops the Pen and Cup
branches; we keep what the chosen subgraph can return), requirements through interfaces under @include."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

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


PARENT_ENTITY = compose(
    {
        "a": """
            type Query { products: [Product!]! viewer: Viewer @shareable }
            type Product @key(fields: "id") @key(fields: "id pid") { id: ID! pid: ID! category: Category @shareable }
            type Category @key(fields: "id") { id: ID! name: String! @shareable }
            type Viewer @shareable { name: String song: String }
        """,
        "b": """
            type Query { viewer: Viewer @shareable }
            type Product @key(fields: "id pid") { id: ID! pid: ID! category: Category @shareable }
            type Category @key(fields: "id") { id: ID! name: String! @shareable }
            type Viewer @shareable { name: String book: String }
        """,
        "c": """
            type Product @key(fields: "id pid") { id: ID! pid: ID! category: Category @shareable }
            type Category { details: CategoryDetails }
            type CategoryDetails { products: Int }
        """,
    }
)


def test_parent_entity_call_same_plan_as_apollo() -> None:
    """`Category` has no key in c: its `details` are fetched by re-entering the parent `Product`."""
    operations = [("{ products { id category { id details { products } } } }", None)]
    ours = [plan_text(PARENT_ENTITY, query, name) for query, name in operations]
    assert ours == apollo_plans(PARENT_ENTITY, operations)
    assert 'Flatten(path: "products.@")' in ours[0]


def test_value_type_fields_from_two_subgraphs_reenter_the_root() -> None:
    plan = plan_text(PARENT_ENTITY, "{ viewer { song book } }")
    assert plan == expected(
        """
        QueryPlan {
          Parallel {
            Fetch(service: "a") {
              {
                viewer {
                  song
                }
              }
            },
            Fetch(service: "b") {
              {
                viewer {
                  book
                }
              }
            },
          },
        }
        """
    )
