"""Mutations: root fields strictly in order, each step's entity hops before the next step."""

from __future__ import annotations

import pytest

from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "accounts": """
        type Query { me: User }
        type Mutation { login(name: String!): User logout: Boolean }
        type User @key(fields: "id") { id: ID! name: String }
    """,
    "orders": """
        type Mutation { placeOrder(item: String!): Order cancelOrder(id: ID!): Boolean }
        type Order @key(fields: "id") { id: ID! item: String buyer: User }
        type User @key(fields: "id") { id: ID! orders: [Order] }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_mutation_fields_run_in_document_order() -> None:
    plan = plan_text(
        SUPERGRAPH,
        'mutation M { login(name: "a") { name orders { item } } placeOrder(item: "x") { id buyer { name } } logout }',
        "M",
    )
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                login(name: "a") {
                  __typename
                  id
                  name
                }
              }
            },
            Flatten(path: "login") {
              Fetch(service: "orders") {
                {
                  ... on User {
                    __typename
                    id
                  }
                } =>
                {
                  ... on User {
                    orders {
                      item
                    }
                  }
                }
              },
            },
            Fetch(service: "orders") {
              {
                placeOrder(item: "x") {
                  id
                  buyer {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "placeOrder.buyer") {
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
            Fetch(service: "accounts") {
              {
                logout
              }
            },
          },
        }
        """
    )


def test_consecutive_fields_of_one_subgraph_share_a_fetch() -> None:
    plan = plan_text(
        SUPERGRAPH, 'mutation { placeOrder(item: "x") { id } cancelOrder(id: "1") login(name: "b") { id } }'
    )
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "orders") {
              {
                placeOrder(item: "x") {
                  id
                }
                cancelOrder(id: "1")
              }
            },
            Fetch(service: "accounts") {
              {
                login(name: "b") {
                  id
                }
              }
            },
          },
        }
        """
    )


APOLLO_IDENTICAL = [
    (
        'mutation M { login(name: "a") { name orders { item } } placeOrder(item: "x") { id buyer { name } } logout }',
        "M",
    ),
]


def test_same_plans_as_apollo() -> None:
    """Apollo's own query planner prints the very same plans for these operations."""
    ours = [plan_text(SUPERGRAPH, query, name) for query, name in APOLLO_IDENTICAL]
    assert ours == apollo_plans(SUPERGRAPH, APOLLO_IDENTICAL)
