"""Supergraphs composed from Federation-1 subgraphs (extend type, @external keys)."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "accounts": """
        type Query { me: User }
        type User @key(fields: "id") { id: ID! name: String }
    """,
    "reviews": """
        extend type User @key(fields: "id") { id: ID! @external reviews: [Review] }
        type Review @key(fields: "id") { id: ID! body: String product: Product }
        extend type Product @key(fields: "upc") { upc: String! @external }
    """,
    "products": """
        extend type Query { topProducts: [Product] }
        type Product @key(fields: "upc") { upc: String! name: String weight: Int }
    """,
    "shipping": """
        extend type Product @key(fields: "upc") {
            upc: String! @external
            weight: Int @external
            shippingEstimate: Int @requires(fields: "weight")
        }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS, federation2=False)


def test_fed1_extension_entities() -> None:
    plan = plan_text(SUPERGRAPH, "{ me { name reviews { body product { name } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
                  name
                }
              }
            },
            Flatten(path: "me") {
              Fetch(service: "reviews") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    reviews {
                      body
                      product {
                        __typename
                        upc
                      }
                    }
                  }
                }
              },
            },
            Flatten(path: "me.reviews.@.product") {
              Fetch(service: "products") {
                {
                  ... on Product {
                    __typename
                    upc
                  }
                } =>
                {
                  ... on Product {
                    name
                  }
                }
              },
            },
          },
        }
        """
    )


def test_fed1_requires() -> None:
    plan = plan_text(SUPERGRAPH, "{ topProducts { shippingEstimate } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "products") {
              {
                topProducts {
                  __typename
                  upc
                  weight
                }
              }
            },
            Flatten(path: "topProducts.@") {
              Fetch(service: "shipping") {
                {
                  ... on Product {
                    __typename
                    upc
                    weight
                  }
                } =>
                {
                  ... on Product {
                    shippingEstimate
                  }
                }
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ me { name reviews { body product { name } } } }", None),
    ("{ topProducts { shippingEstimate } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
