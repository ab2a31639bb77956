"""The plan cache (LRU, hit/miss counters), the display of condition nodes, and the CLI hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from router.display import format_query_plan
from router.plan_cli import PlanCommandError, plan_command
from router.query_plan import ConditionNode, FetchNode, QueryPlan
from router.query_planner import CachingQueryPlanner, PlanningError
from tests.unit.router.planner.support import compose, expected, planner_of

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "accounts": """
        type Query { me: User }
        type User @key(fields: "id") { id: ID! name: String }
    """,
    "reviews": """
        type User @key(fields: "id") { id: ID! reviews: [String] }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_cache_hits_misses_and_eviction() -> None:
    cache = CachingQueryPlanner(planner_of(SUPERGRAPH), max_size=2)
    first = cache.build_query_plan(parse("{ me { name } }"), cache_key="{ me { name } }")
    again = cache.build_query_plan(parse("{ me { name } }"), cache_key="{ me { name } }")
    assert again is first
    assert (cache.hits, cache.misses) == (1, 1)
    cache.build_query_plan(parse("{ me { reviews } }"))
    cache.build_query_plan(parse("query A { me { id } } query B { me { name } }"), "A")
    assert len(cache) == 2
    # The least recently used plan was evicted: planning it again is a miss.
    cache.build_query_plan(parse("{ me { name } }"), cache_key="{ me { name } }")
    assert (cache.hits, cache.misses) == (1, 4)


def test_operation_name_is_part_of_the_key() -> None:
    cache = CachingQueryPlanner(planner_of(SUPERGRAPH))
    document = parse("query A { me { id } } query B { me { reviews } }")
    a = cache.build_query_plan(document, "A", cache_key="doc")
    b = cache.build_query_plan(document, "B", cache_key="doc")
    assert a != b
    assert isinstance(a.node, FetchNode)
    assert a.node.operation == "query A__accounts__0{me{id}}"


def test_unknown_operation_name_is_a_planning_error() -> None:
    with pytest.raises(PlanningError, match="unknown operation named 'C'"):
        planner_of(SUPERGRAPH).build_query_plan(parse("query A { me { id } }"), "C")


def test_display_of_conditions() -> None:
    fetch = FetchNode("accounts", "{me{id}}")
    both = QueryPlan(ConditionNode("x", fetch, FetchNode("reviews", "{me{id}}")))
    assert format_query_plan(both) == expected(
        """
        QueryPlan {
          Condition(if: $x) {
            Then {
              Fetch(service: "accounts") {
                {
                  me {
                    id
                  }
                }
              }
            } Else {
              Fetch(service: "reviews") {
                {
                  me {
                    id
                  }
                }
              }
            }
          },
        }
        """
    )
    skip = QueryPlan(ConditionNode("x", None, fetch))
    assert format_query_plan(skip).startswith("QueryPlan {\n  Skip(if: $x) {\n    Fetch(")
    assert format_query_plan(QueryPlan(None)) == "QueryPlan {}"


def test_plan_command_prints_the_plan(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text(SUPERGRAPH)
    assert plan_command(str(path), "{ me { reviews } }", None) == expected(
        """
        QueryPlan {
          Sequence {
            Fetch(service: "accounts") {
              {
                me {
                  __typename
                  id
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
                    reviews
                  }
                }
              },
            },
          },
        }
        """
    )


def test_plan_command_rejects_invalid_queries(tmp_path: Path) -> None:
    path = tmp_path / "supergraph.graphql"
    path.write_text(SUPERGRAPH)
    with pytest.raises(PlanCommandError, match="Cannot query field 'nope'"):
        plan_command(str(path), "{ me { nope } }", None)


def test_router_plan_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from router.cli import main

    path = tmp_path / "supergraph.graphql"
    path.write_text(SUPERGRAPH)
    query = tmp_path / "q.graphql"
    query.write_text("query A { me { name } } query B { me { reviews } }")
    assert main(["plan", "--supergraph", str(path), "-n", "B", f"@{query}"]) == 0
    out = capsys.readouterr().out
    assert out == plan_command(str(path), query.read_text(), "B") + "\n"
    assert 'Flatten(path: "me")' in out
    assert main(["plan", "-s", str(path), "{ me { nope } }"]) == 1
    assert "Cannot query field 'nope'" in capsys.readouterr().err
