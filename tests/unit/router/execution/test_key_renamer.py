"""``KeyRenamer`` output rewrites: a field the planner aliased (two selections of one response key
could not merge in the subgraph) is moved back to the client's key before merging."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLSchema, build_schema

from router.execution.entities import TypeRelations, apply_rewrites
from router.execution.executor import Executor
from router.query_plan import (
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    FlattenNode,
    InlineFragmentRequirement,
    QueryPlan,
    SequenceNode,
)
from tests.federation.support.subgraph import FakeSubgraph

pytestmark = pytest.mark.router

PEOPLE_SDL = """
type Query { people: [Person] }
interface Person { id: ID! }
type User implements Person { id: ID! name: String! friend: Person }
type Admin implements Person { id: ID! name: String friend: Person }
"""


@pytest.fixture(scope="module")
def relations() -> TypeRelations:
    schema: GraphQLSchema = build_schema(PEOPLE_SDL)
    return TypeRelations(schema)


def test_moves_any_value_null_and_falsy_ones_too(relations: TypeRelations) -> None:
    data: dict[str, Any] = {
        "people": [
            {"__typename": "Admin", "name__alias_0": ""},
            {"__typename": "Admin", "name__alias_0": None},
            {"__typename": "Admin", "name__alias_0": 0},
            {"__typename": "User", "name": "Ada"},
        ]
    }
    rename = FetchRewrite.key_renamer(("people", "... on Admin", "name__alias_0"), "name")

    apply_rewrites(relations, (rename,), data)

    assert data["people"] == [
        {"__typename": "Admin", "name": ""},
        {"__typename": "Admin", "name": None},
        {"__typename": "Admin", "name": 0},
        {"__typename": "User", "name": "Ada"},
    ]


def test_only_objects_matching_the_type_condition(relations: TypeRelations) -> None:
    data: dict[str, Any] = {"people": [{"__typename": "User", "g": "en", "g__alias_0": "fr"}]}

    apply_rewrites(relations, (FetchRewrite.key_renamer(("people", "... on Admin", "g__alias_0"), "g"),), data)
    assert data["people"][0]["g"] == "en"

    apply_rewrites(relations, (FetchRewrite.key_renamer(("people", "... on Person", "g__alias_0"), "g"),), data)
    assert data["people"][0]["g"] == "fr"  # User implements Person


def test_deepest_rename_first_then_its_parent(relations: TypeRelations) -> None:
    data: dict[str, Any] = {
        "people": [{"__typename": "Admin", "friend__alias_0": {"__typename": "Admin", "name__alias_0": "Max"}}]
    }
    renames = (
        FetchRewrite.key_renamer(
            ("people", "... on Admin", "friend__alias_0", "... on Admin", "name__alias_0"), "name"
        ),
        FetchRewrite.key_renamer(("people", "... on Admin", "friend__alias_0"), "friend"),
    )

    apply_rewrites(relations, renames, data)

    assert data == {"people": [{"__typename": "Admin", "friend": {"__typename": "Admin", "name": "Max"}}]}


async def test_root_and_entity_fetches_rename_before_merging(
    executor: Executor, subgraphs: dict[str, FakeSubgraph]
) -> None:
    products = FetchNode(
        "products",
        "{topProducts{__typename upc title__alias_0:name}}",
        output_rewrites=(FetchRewrite.key_renamer(("topProducts", "... on Product", "title__alias_0"), "name"),),
    )
    reviews = FetchNode(
        "reviews",
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        "{...on Product{reviews__alias_0:reviews{body}}}}",
        requires=(InlineFragmentRequirement("Product", (FieldRequirement("__typename"), FieldRequirement("upc"))),),
        output_rewrites=(FetchRewrite.key_renamer(("... on Product", "reviews__alias_0"), "reviews"),),
    )
    plan = QueryPlan(SequenceNode((products, FlattenNode(("topProducts", "@"), reviews))))

    data, errors = await executor.execute(plan, {})

    assert errors == []
    first = data["topProducts"][0]
    assert first["name"] == "Table"
    assert first["reviews"] == [{"body": "Love it!"}]
    assert "title__alias_0" not in first
    assert "reviews__alias_0" not in first
