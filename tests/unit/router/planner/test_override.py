"""@override: fields go to the overriding subgraph, never to the overridden one."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "legacy": """
        type Query { products: [Product] }
        type Product @key(fields: "id") { id: ID! name: String stock: Int weight: Int }
    """,
    "catalog": """
        type Product @key(fields: "id") {
            id: ID!
            name: String @override(from: "legacy")
            weight: Int @external
            shipping: Int @requires(fields: "weight")
        }
    """,
    "pricing": """
        type Product @key(fields: "id") { id: ID! price: Int @override(from: "gone") }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_overridden_field_goes_to_new_subgraph() -> None:
    plan = plan_text(SUPERGRAPH, "{ products { name stock } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "legacy") {
              {
                products {
                  __typename
                  id
                  stock
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "catalog") {
                {
                  ... on Product {
                    __typename
                    id
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


def test_override_from_missing_subgraph() -> None:
    plan = plan_text(SUPERGRAPH, "{ products { price } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "legacy") {
              {
                products {
                  __typename
                  id
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "pricing") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    price
                  }
                }
              },
            },
          },
        }
        """
    )


def test_override_with_requires() -> None:
    plan = plan_text(SUPERGRAPH, "{ products { name shipping } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "legacy") {
              {
                products {
                  __typename
                  id
                  weight
                }
              }
            },
            Flatten(path: "products.@") {
              Fetch(service: "catalog") {
                {
                  ... on Product {
                    __typename
                    id
                    weight
                  }
                } =>
                {
                  ... on Product {
                    name
                    shipping
                  }
                }
              },
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    ("{ products { name stock } }", None),
    ("{ products { price } }", None),
    ("{ products { name shipping } }", None),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
