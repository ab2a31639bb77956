"""Nested choices by cost (issue 14, class 5): where a nested field could stay in the current
subgraph or jump, or jump to one of several subgraphs through different keys, the planner plans
the alternatives and keeps the cheapest plan (fetches, then depth), not the first one its estimate
found. Each case: the chosen plan (Apollo's text form) and its cost; the estimate's own plan
(``max_evaluated_plans=1``) is costlier; Apollo's planner needs no fewer fetches."""

from __future__ import annotations

import pytest
from graphql import parse

from router.display import format_query_plan
from router.query_planner import QueryPlanner
from router.query_planner.cost import PlanCost, plan_cost
from tests.unit.router.planner.support import apollo_plans, compose, expected, plan_text, supergraph_of

pytestmark = pytest.mark.router

# The nested shareable `product` is resolvable in `a` (where the traversal stands) and in `b`; `b`
# must be called for `rating` anyway, so jumping there for `product` too saves the Product fetch.
STAY_OR_JUMP = compose(
    {
        "a": """
            type Query { reviews: [Review] }
            type Review @key(fields: "id") { id: ID! product: Product @shareable }
            type Product @key(fields: "id") { id: ID! }
        """,
        "b": """
            type Review @key(fields: "id") { id: ID! rating: Int product: Product @shareable }
            type Product @key(fields: "id") { id: ID! price: Int }
        """,
    }
)

# `product` is resolvable in `b` (Review's key `id`, which `a` gives) and in `c` (key `upc`, which
# only `d` gives: an extra fetch). `b` sorts first and its estimate ties with `c`'s, but `b` lacks
# the product's `name` (one more fetch, to `e`), while `d` is called for `note` anyway.
TWO_KEYS = compose(
    {
        "a": """
            type Query { reviews: [Review] }
            type Review @key(fields: "id") { id: ID! }
        """,
        "d": """type Review @key(fields: "id") @key(fields: "upc") { id: ID! upc: String! note: String }""",
        "b": """
            type Review @key(fields: "id") { id: ID! product: Product @shareable }
            type Product @key(fields: "id") { id: ID! }
        """,
        "e": """type Product @key(fields: "id") { id: ID! name: String @shareable }""",
        "c": """
            type Review @key(fields: "upc") { upc: String! product: Product @shareable }
            type Product @key(fields: "id") { id: ID! name: String @shareable }
        """,
    }
)

# Below the root, `Shop.reviews` is resolvable in `x` (where the traversal stands) and in `z`, whose
# `@provides` gives the reviews' product names: with `z` called for `rating` anyway, the plan through
# it needs no fetch to `b`.
NESTED_PROVIDES = compose(
    {
        "x": """
            type Query { shop: Shop }
            type Shop @key(fields: "id") { id: ID! reviews: [Review] @shareable }
            type Review @key(fields: "id") { id: ID! product: Product @shareable }
            type Product @key(fields: "id") { id: ID! }
        """,
        "z": """
            type Shop @key(fields: "id") {
                id: ID! rating: Int reviews: [Review] @shareable @provides(fields: "product { name }")
            }
            type Review @key(fields: "id") { id: ID! product: Product @shareable }
            type Product @key(fields: "id") { id: ID! name: String @external }
        """,
        "b": """type Product @key(fields: "id") { id: ID! name: String @shareable }""",
    }
)

CASES = [
    (STAY_OR_JUMP, "{ reviews { rating product { price } } }", PlanCost(2, 2), PlanCost(3, 2)),
    (STAY_OR_JUMP, "{ reviews { p: product { ... on Product { price } } r: rating } }", PlanCost(2, 2), PlanCost(3, 2)),
    (TWO_KEYS, "{ reviews { note product { name } } }", PlanCost(3, 3), PlanCost(4, 3)),
    (
        TWO_KEYS,
        "query Q { reviews { ...R } } fragment R on Review { product { n: name } note }",
        PlanCost(3, 3),
        PlanCost(4, 3),
    ),
    (NESTED_PROVIDES, "{ shop { rating reviews { product { name } } } }", PlanCost(2, 2), PlanCost(3, 2)),
    (NESTED_PROVIDES, "{ shop { reviews { id product { id name } } rating } }", PlanCost(2, 2), PlanCost(3, 2)),
    # Two choices, each saving a fetch: the best plan changes both (a pair of changes, searched
    # after every single change).
    (
        STAY_OR_JUMP,
        "{ reviews { rating product { price } } again: reviews { rating product { price } } }",
        PlanCost(3, 2),
        PlanCost(5, 2),
    ),
]
IDS = [
    "stay-or-jump",
    "stay-or-jump-aliases",
    "two-keys",
    "two-keys-fragment",
    "nested-provides",
    "nested-provides-2",
    "two-choices",
]

PLANS = {
    "stay-or-jump": """
    QueryPlan {
      Sequence {
        Fetch(service: "a") {
          {
            reviews {
              __typename
              id
            }
          }
        },
        Flatten(path: "reviews.@") {
          Fetch(service: "b") {
            {
              ... on Review {
                __typename
                id
              }
            } =>
            {
              ... on Review {
                rating
                product {
                  price
                }
              }
            }
          },
        },
      },
    }
    """,
    "stay-or-jump-aliases": """
    QueryPlan {
      Sequence {
        Fetch(service: "a") {
          {
            reviews {
              __typename
              id
            }
          }
        },
        Flatten(path: "reviews.@") {
          Fetch(service: "b") {
            {
              ... on Review {
                __typename
                id
              }
            } =>
            {
              ... on Review {
                p: product {
                  price
                }
                r: rating
              }
            }
          },
        },
      },
    }
    """,
    "two-keys": """
    QueryPlan {
      Sequence {
        Fetch(service: "a") {
          {
            reviews {
              __typename
              id
            }
          }
        },
        Flatten(path: "reviews.@") {
          Fetch(service: "d") {
            {
              ... on Review {
                __typename
                id
              }
            } =>
            {
              ... on Review {
                upc
                note
              }
            }
          },
        },
        Flatten(path: "reviews.@") {
          Fetch(service: "c") {
            {
              ... on Review {
                __typename
                upc
              }
            } =>
            {
              ... on Review {
                product {
                  name
                }
              }
            }
          },
        },
      },
    }
    """,
    "two-keys-fragment": """
    QueryPlan {
      Sequence {
        Fetch(service: "a") {
          {
            reviews {
              __typename
              id
            }
          }
        },
        Flatten(path: "reviews.@") {
          Fetch(service: "d") {
            {
              ... on Review {
                __typename
                id
              }
            } =>
            {
              ... on Review {
                upc
                note
              }
            }
          },
        },
        Flatten(path: "reviews.@") {
          Fetch(service: "c") {
            {
              ... on Review {
                __typename
                upc
              }
            } =>
            {
              ... on Review {
                product {
                  n: name
                }
              }
            }
          },
        },
      },
    }
    """,
    "nested-provides": """
    QueryPlan {
      Sequence {
        Fetch(service: "x") {
          {
            shop {
              __typename
              id
            }
          }
        },
        Flatten(path: "shop") {
          Fetch(service: "z") {
            {
              ... on Shop {
                __typename
                id
              }
            } =>
            {
              ... on Shop {
                rating
                reviews {
                  product {
                    name
                  }
                }
              }
            }
          },
        },
      },
    }
    """,
    "nested-provides-2": """
    QueryPlan {
      Sequence {
        Fetch(service: "x") {
          {
            shop {
              __typename
              id
            }
          }
        },
        Flatten(path: "shop") {
          Fetch(service: "z") {
            {
              ... on Shop {
                __typename
                id
              }
            } =>
            {
              ... on Shop {
                reviews {
                  id
                  product {
                    id
                    name
                  }
                }
                rating
              }
            }
          },
        },
      },
    }
    """,
    "two-choices": """
    QueryPlan {
      Sequence {
        Fetch(service: "a") {
          {
            reviews {
              __typename
              id
            }
            again: reviews {
              __typename
              id
            }
          }
        },
        Parallel {
          Flatten(path: "again.@") {
            Fetch(service: "b") {
              {
                ... on Review {
                  __typename
                  id
                }
              } =>
              {
                ... on Review {
                  rating
                  product {
                    price
                  }
                }
              }
            },
          },
          Flatten(path: "reviews.@") {
            Fetch(service: "b") {
              {
                ... on Review {
                  __typename
                  id
                }
              } =>
              {
                ... on Review {
                  rating
                  product {
                    price
                  }
                }
              }
            },
          },
        },
      },
    }
    """,
}


@pytest.mark.parametrize(("sdl", "query", "cost", "estimate_cost"), CASES, ids=IDS)
def test_the_cheapest_nested_choice_wins(sdl: str, query: str, cost: PlanCost, estimate_cost: PlanCost) -> None:
    name = IDS[CASES.index((sdl, query, cost, estimate_cost))]
    assert plan_text(sdl, query) == expected(PLANS[name])
    planner = QueryPlanner(supergraph_of(sdl))
    assert plan_cost(planner.build_query_plan(parse(query))) == cost
    # The estimate alone (no alternative planned) takes the first-found choice, which costs more.
    first_found = QueryPlanner(supergraph_of(sdl), max_evaluated_plans=1).build_query_plan(parse(query))
    assert plan_cost(first_found) == estimate_cost
    assert cost < estimate_cost


@pytest.mark.parametrize("sdl", [STAY_OR_JUMP, TWO_KEYS, NESTED_PROVIDES], ids=["stay", "keys", "provides"])
def test_no_more_fetches_than_apollo(sdl: str) -> None:
    cases = [(query, cost) for s, query, cost, _ in CASES if s == sdl]
    theirs = apollo_plans(sdl, [(query, None) for query, _ in cases])
    for (query, cost), apollo in zip(cases, theirs, strict=True):
        assert "ERROR" not in apollo
        assert cost.fetches <= apollo.count("Fetch("), query


def test_the_choice_is_deterministic() -> None:
    query = CASES[-1][1]
    plans = {
        format_query_plan(QueryPlanner(supergraph_of(STAY_OR_JUMP)).build_query_plan(parse(query))) for _ in range(5)
    }
    assert plans == {expected(PLANS["two-choices"])}


def test_the_search_is_bounded() -> None:
    """``max_evaluated_plans`` caps the plans compared; with too few, the best found so far stands."""
    query = CASES[-1][1]
    planner = QueryPlanner(supergraph_of(STAY_OR_JUMP))
    planner.build_query_plan(parse(query))
    assert planner.last_evaluated_plans == 4  # the first plan, two single changes, the pair
    capped = QueryPlanner(supergraph_of(STAY_OR_JUMP), max_evaluated_plans=2)
    assert plan_cost(capped.build_query_plan(parse(query))) == PlanCost(4, 2)
    assert capped.last_evaluated_plans == 2


def test_changes_that_each_save_a_fetch_are_combined_first() -> None:
    """Four independent choices (each jump saves a fetch): 16 combinations. Best first, the cheapest
    one is planned 11th (the first plan, 4 single changes, then 3, 2 and 1 more on the cheapest so
    far); branch and bound then skips what cannot beat it."""
    query = "{ " + " ".join(f"r{i}: reviews {{ rating product {{ price }} }}" for i in range(4)) + " }"
    first_found = QueryPlanner(supergraph_of(STAY_OR_JUMP), max_evaluated_plans=1)
    assert plan_cost(first_found.build_query_plan(parse(query))) == PlanCost(9, 2)
    capped = QueryPlanner(supergraph_of(STAY_OR_JUMP), max_evaluated_plans=11)
    assert plan_cost(capped.build_query_plan(parse(query))) == PlanCost(5, 2)
    planner = QueryPlanner(supergraph_of(STAY_OR_JUMP))
    assert plan_cost(planner.build_query_plan(parse(query))) == PlanCost(5, 2)
    assert planner.last_evaluated_plans < 16
