"""``@defer`` on an entity: the primary part selects the entity's key (hidden), the deferred part is
planned from ``_entities`` at the fragment's parent instead of from the root."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse, print_ast, validate

from router.display import format_query_plan
from router.execution.defer import DeferSplit, split_defer
from router.execution.defer_inputs import DeferInputs
from router.query_plan import ConditionNode, FetchNode, FlattenNode, PlanNode
from router.query_planner.deferred import DeferredEntry, deferred_entry
from tests.unit.router.planner.support import compose, expected, planner_of, supergraph_of
from tests.unit.router.planner.test_keys import SUBGRAPHS

pytestmark = pytest.mark.router

SUPERGRAPH = compose(SUBGRAPHS)


def _split(query: str) -> DeferSplit:
    supergraph = supergraph_of(SUPERGRAPH)
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return split_defer(document, operation, {}, supergraph.api_schema, lambda t, f: deferred_entry(supergraph, t, f))


def _deferred_plan(query: str) -> str:
    (part,) = _split(query).parts
    assert part.start is not None
    plan = planner_of(SUPERGRAPH).build_deferred_plan(
        part.document, "Q", part.start.depth, part.start.entry, part.start.merge_path
    )
    return format_query_plan(plan)


def test_the_primary_part_selects_typename_and_the_key_under_hidden_aliases() -> None:
    split = _split('query Q { me { id ... @defer(label: "r") { reviews { body } } } }')
    assert print_ast(split.primary) == expected(
        """
        query Q {
          me {
            id
            _defer0_typename: __typename
            _defer0_id: id
          }
        }
        """
    )
    (part,) = split.parts
    assert part.label == "r"
    assert part.start is not None
    # the subgraph resolving the fragment's fields, entered by its key
    assert part.start.entry == DeferredEntry("User", "reviews", part.start.entry.key)
    assert part.start.entry.key.text == "id"
    assert part.start.hidden == (("_defer0_typename", "__typename"), ("_defer0_id", "id"))


def test_hidden_aliases_never_take_a_name_the_operation_uses() -> None:
    # a client alias shaped like a hidden one, for another field: sharing it would make the primary
    # part invalid ("fields conflict"), so the hidden aliases take a prefix no name of the operation has
    split = _split('query Q { me { _defer0_id: name ... @defer(label: "r") { reviews { body } } } }')
    (part,) = split.parts
    assert part.start is not None
    assert part.start.hidden == (("_defer_0_typename", "__typename"), ("_defer_0_id", "id"))
    assert print_ast(split.primary) == expected(
        """
        query Q {
          me {
            _defer0_id: name
            _defer_0_typename: __typename
            _defer_0_id: id
          }
        }
        """
    )
    assert validate(supergraph_of(SUPERGRAPH).api_schema, parse(print_ast(split.primary))) == []


def test_the_deferred_part_starts_with_entities_at_its_parent_never_the_root_field() -> None:
    plan = _deferred_plan("query Q { me { id ... @defer { reviews { body product { name } } } } }")
    assert plan == expected(
        """
        QueryPlan {
          Sequence {
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
    assert "me {" not in plan


def test_a_list_parent_and_the_subgraph_the_primary_part_already_calls() -> None:
    split = _split("query Q { users { ... @defer { name } } }")
    assert print_ast(split.primary) == expected(
        """
        query Q {
          users {
            _defer0_typename: __typename
            _defer0_id: id
          }
        }
        """
    )
    (part,) = split.parts
    assert part.start is not None
    assert part.start.merge_path == ("users", "@")
    plan = _deferred_plan("query Q { users { ... @defer { name } } }")
    assert plan == expected(
        """
        QueryPlan {
          Flatten(path: "users.@") {
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
        }
        """
    )


def test_root_and_plain_object_parents_keep_running_from_the_root() -> None:
    split = _split("query Q { ... @defer { me { name } } me { reviews { ... @defer { body } } } }")
    assert [(p.path, p.start) for p in split.parts] == [((), None), (("me", "reviews"), None)]
    assert "_defer" not in print_ast(split.primary)


async def test_a_part_waits_for_the_primary_fetches_selecting_its_hidden_key_and_no_others() -> None:
    """The hidden key of ``product`` comes from the reviews entity fetch: the part's seed is read from
    the data merged once that fetch is in, whatever the unrelated billing fetch is doing."""
    query = "query Q { me { org { billingName } reviews { product { ... @defer { name } } } } }"
    split = _split(query)
    (part,) = split.parts
    assert part.start is not None
    plan = planner_of(SUPERGRAPH).build_query_plan(split.primary, "Q")
    fetches = {fetch.service_name: fetch for fetch in _fetches_of(plan.node)}
    assert sorted(fetches) == ["accounts", "billing", "reviews"]
    inputs = DeferInputs({0: (part.path, part.start)})
    fetched = inputs.watching(plan)
    assert fetched is not None
    primary: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(inputs.seed(0, primary))
    data: dict[str, Any] = {"me": {"__typename": "User", "id": "u1", "org": {"__typename": "Org", "id": "o1"}}}
    fetched(fetches["accounts"], data)
    await asyncio.sleep(0)
    assert not waiting.done()
    data["me"]["reviews"] = [{"product": {"_defer0_typename": "Product", "_defer0_upc": "p1"}}, {"product": None}]
    fetched(fetches["reviews"], data)
    seed = {"me": {"reviews": [{"product": {"__typename": "Product", "upc": "p1"}}, {"product": None}]}}
    assert await waiting == (True, seed)
    fetched(fetches["billing"], data)  # after the part started: nothing more to do


async def test_without_a_fetch_selecting_the_hidden_key_the_part_waits_for_the_primary_part() -> None:
    split = _split("query Q { me { id ... @defer { reviews { body } } } }")
    (part,) = split.parts
    assert part.start is not None
    unrelated = planner_of(SUPERGRAPH).build_query_plan(parse("query Q { users { name } }"), "Q")
    inputs = DeferInputs({0: (part.path, part.start)})
    assert inputs.watching(unrelated) is None
    primary: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiting = asyncio.ensure_future(inputs.seed(0, primary))
    await asyncio.sleep(0)
    assert not waiting.done()
    primary.set_result(None)
    assert await waiting == (False, None)


def _fetches_of(node: PlanNode | None) -> list[FetchNode]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return [node.node]
    if isinstance(node, ConditionNode):
        return _fetches_of(node.if_clause) + _fetches_of(node.else_clause)
    return [fetch for child in node.nodes for fetch in _fetches_of(child)]
