"""Path choice by cost (issue 14, class 5): plans compare by fetches, then fetch-graph depth, so a
path through a subgraph whose ``@provides`` gives the nested selection wins over one that needs hops;
``router plan --cost`` prints the cost."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from router.display import format_query_plan
from router.query_planner.cost import PlanCost, plan_cost
from router.query_planner.operation import normalize
from router.query_planner.planning_traversal import PlanningTraversal
from router.query_planner.query_planner import QueryPlanner
from tests.unit.router.planner.support import apollo_plans, build_plan, compose, expected, plan_text, planner_of

pytestmark = pytest.mark.router

# "c" sorts before "z": a first-found choice takes c, which has no @provides and needs a hop to b.
SUBGRAPHS = {
    "c": """
        type Query { reviews: [Review] @shareable }
        type Review @key(fields: "id") { id: ID! product: Product @shareable }
        type Product @key(fields: "id") { id: ID! }
    """,
    "z": """
        type Query { reviews: [Review] @shareable }
        type Review @key(fields: "id") {
            id: ID! product: Product @shareable @provides(fields: "name details { size }")
        }
        type Product @key(fields: "id") { id: ID! name: String @external details: Details @external }
        type Details @shareable { size: Int }
    """,
    "b": """
        type Product @key(fields: "id") { id: ID! name: String @shareable price: Int details: Details @shareable }
        type Details @shareable { size: Int }
    """,
    "d": """
        type Review @key(fields: "id") { id: ID! product: Product @shareable @provides(fields: "name") }
        type Product @key(fields: "id") { id: ID! name: String @external }
    """,
}
SUPERGRAPH = compose(SUBGRAPHS)
QUERIES = [
    "{ reviews { product { name } } }",
    "{ reviews { product { name details { size } } } }",
    "{ reviews { r: product { ... on Product { n: name } } } }",
]


def test_the_providing_subgraph_wins() -> None:
    assert plan_text(SUPERGRAPH, QUERIES[1]) == expected(
        """
        QueryPlan {
          Fetch(service: "z") {
            {
              reviews {
                product {
                  name
                  details {
                    size
                  }
                }
              }
            }
          },
        }
        """
    )
    assert plan_cost(build_plan(SUPERGRAPH, QUERIES[1])) == PlanCost(1, 1)


def test_same_plans_as_apollo() -> None:
    assert apollo_plans(SUPERGRAPH, [(q, None) for q in QUERIES]) == [plan_text(SUPERGRAPH, q) for q in QUERIES]


def test_the_cheapest_root_alternative_is_kept() -> None:
    """Forcing the root field to c gives a costlier plan; the planner compares and keeps z's."""
    operation = normalize(parse(QUERIES[1]), None)
    planner: QueryPlanner = planner_of(SUPERGRAPH)
    forced = planner._finish(operation, PlanningTraversal(planner.supergraph, planner.query_graph, operation, {0: "c"}))
    assert 'Fetch(service: "c")' in format_query_plan(forced)
    assert plan_cost(forced) == PlanCost(2, 2)
    assert plan_cost(planner.build_query_plan(parse(QUERIES[1]))) < plan_cost(forced)


def test_cost_counts_fetches_then_depth() -> None:
    plan = build_plan(SUPERGRAPH, "{ reviews { product { price name } } }")
    assert plan_cost(plan) == PlanCost(2, 2)
    assert PlanCost(2, 5) < PlanCost(3, 1)
    assert str(PlanCost(2, 2)) == "fetches=2 depth=2"


def test_router_plan_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from router.cli import main

    path = tmp_path / "supergraph.graphql"
    path.write_text(SUPERGRAPH)
    assert main(["plan", "-s", str(path), "--cost", "{ reviews { product { price } } }"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("}\nCost: fetches=2 depth=2\n")
    assert main(["plan", "-s", str(path), "{ reviews { product { price } } }"]) == 0
    assert "Cost:" not in capsys.readouterr().out
