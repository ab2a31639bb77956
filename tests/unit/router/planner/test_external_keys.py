"""`@external` fields are readable only under a `@provides` (or as Federation 1 extension keys):
issue 14, class 3. A key jump never reads a field from the subgraph where it is external."""

from __future__ import annotations

import pytest

from router.query_planner import PlanningError
from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "a": """
        type Query { reviews: [Review] }
        type Review { id: ID! product: Product featured: Product @provides(fields: "upc") }
        type Product @key(fields: "id upc") { id: ID! upc: String! @external }
    """,
    "b": 'type Product @key(fields: "id") @key(fields: "upc") { id: ID! upc: String! @shareable }',
    "c": 'type Product @key(fields: "upc") { upc: String! @shareable price: Int }',
}
SUPERGRAPH = compose(SUBGRAPHS)
QUERIES = [
    "{ reviews { product { price } } }",
    "{ reviews { product { upc } } }",
    "{ reviews { featured { price } } }",
    "{ reviews { featured { upc id } } }",
]


def test_external_key_field_comes_from_its_owner() -> None:
    assert plan_text(SUPERGRAPH, QUERIES[0]) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "a") {
              {
                reviews {
                  product {
                    __typename
                    id
                  }
                }
              }
            },
            Flatten(path: "reviews.@.product") {
              Fetch(service: "b") {
                {
                  ... on Product {
                    __typename
                    id
                  }
                } =>
                {
                  ... on Product {
                    upc
                  }
                }
              },
            },
            Flatten(path: "reviews.@.product") {
              Fetch(service: "c") {
                {
                  ... on Product {
                    __typename
                    upc
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


def test_same_plans_as_apollo() -> None:
    """Through b when ``upc`` is external; straight to c when ``@provides`` makes it readable."""
    assert apollo_plans(SUPERGRAPH, [(q, None) for q in QUERIES]) == [plan_text(SUPERGRAPH, q) for q in QUERIES]


def test_only_an_external_copy_left_is_a_planning_error() -> None:
    """With ``upc`` external in b too (a hand-edited supergraph: composition would refuse it), no
    subgraph can give c's key; Apollo's planner fails too ("not able to find any options for price")."""
    line = next(x for x in SUPERGRAPH.splitlines() if x.strip().startswith("upc:"))
    broken = SUPERGRAPH.replace(line, line.replace("@join__field(graph: B)", "@join__field(graph: B, external: true)"))
    with pytest.raises(PlanningError, match=r"Product\.price"):
        plan_text(broken, QUERIES[0])
    assert apollo_plans(broken, [(QUERIES[0], None)])[0].startswith("ERROR")
