"""Executor over real HTTP subgraphs with hand-written plans (the planner is tested on its own)."""

from __future__ import annotations

from typing import Any

import pytest

from router.execution.executor import Executor
from router.query_plan import (
    ConditionNode,
    FetchNode,
    FetchRewrite,
    FieldRequirement,
    FlattenNode,
    InlineFragmentRequirement,
    ParallelNode,
    QueryPlan,
    SequenceNode,
)
from tests.federation.support.subgraph import FakeSubgraph

pytestmark = pytest.mark.router

ENTITIES_OP = "query($representations:[_Any!]!){_entities(representations:$representations){%s}}"


def _entity_fetch(service: str, typename: str, key: str, selection: str, *extra: str) -> FetchNode:
    fields = [FieldRequirement("__typename"), FieldRequirement(key), *(FieldRequirement(f) for f in extra)]
    return FetchNode(
        service_name=service,
        operation=ENTITIES_OP % f"...on {typename}{{{selection}}}",
        requires=(InlineFragmentRequirement(typename, tuple(fields)),),
    )


TOP_PRODUCTS = FetchNode("products", "{topProducts{__typename upc name}}")
REVIEWS_OF_PRODUCTS = FlattenNode(
    ("topProducts", "@"), _entity_fetch("reviews", "Product", "upc", "reviews{body author{__typename id}}")
)
AUTHORS = FlattenNode(
    ("topProducts", "@", "reviews", "@", "author"), _entity_fetch("accounts", "User", "id", "username")
)


async def test_entity_chain_merges_results_by_index(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    plan = QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS_OF_PRODUCTS, AUTHORS)))

    data, errors = await executor.execute(plan, {})

    assert errors == []
    products = data["topProducts"]
    assert [p["name"] for p in products] == ["Table", "Couch", "Chair"]
    assert products[1]["reviews"][0]["author"]["username"] == "@complete"
    assert products[1]["reviews"][1]["author"]["username"] == "@ada"
    # The author of r4 has a null key: never sent, its entity field stays absent.
    assert "username" not in products[2]["reviews"][0]["author"]


async def test_one_entities_call_with_deduplicated_representations(
    executor: Executor, subgraphs: dict[str, FakeSubgraph]
) -> None:
    plan = QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS_OF_PRODUCTS, AUTHORS)))

    await executor.execute(plan, {})

    calls = subgraphs["accounts"].entity_calls()
    assert calls == [[{"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u2"}]]
    assert len(subgraphs["reviews"].entity_calls()) == 1


async def test_requires_sends_required_fields_in_representations(
    executor: Executor, subgraphs: dict[str, FakeSubgraph]
) -> None:
    prices = FetchNode("products", "{topProducts{__typename upc price weight}}")
    estimate = FlattenNode(
        ("topProducts", "@"),
        _entity_fetch("inventory", "Product", "upc", "shippingEstimate", "price", "weight"),
    )

    data, errors = await executor.execute(QueryPlan(SequenceNode((prices, estimate))), {})

    assert errors == []
    assert [p["shippingEstimate"] for p in data["topProducts"]] == [50, 0, 25]
    sent = subgraphs["inventory"].entity_calls()[0][0]
    assert sent == {"__typename": "Product", "upc": "1", "price": 899, "weight": 100}


async def test_variables_are_sent_only_when_used(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    fetch = FetchNode(
        "products",
        "query($first:Int){topProducts(first:$first){name}}",
        variable_usages=("first",),
    )

    data, _ = await executor.execute(QueryPlan(fetch), {"first": 1, "unused": True})

    assert data == {"topProducts": [{"name": "Table"}]}
    assert subgraphs["products"].requests[0]["variables"] == {"first": 1}


async def test_entity_errors_are_repathed_to_the_client_path(
    executor: Executor, subgraphs: dict[str, FakeSubgraph]
) -> None:
    subgraphs["reviews"].entities = {
        "Product": lambda rep: {"upc": "boom"} if rep["upc"] == "2" else {"upc": rep["upc"]}
    }
    try:
        data, errors = await executor.execute(QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS_OF_PRODUCTS))), {})
    finally:
        subgraphs["reviews"].entities = {"Product": lambda rep: {"upc": rep["upc"]}}

    assert len(errors) == 1
    assert errors[0]["message"] == "reviews exploded"
    assert errors[0]["path"] == ["topProducts", 1, "reviews"]
    assert errors[0]["extensions"]["serviceName"] == "reviews"
    assert data["topProducts"][0]["reviews"][0]["body"] == "Love it!"


async def test_failing_subgraph_gives_partial_data(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    subgraphs["reviews"].fail_status = 503
    plan = QueryPlan(SequenceNode((TOP_PRODUCTS, REVIEWS_OF_PRODUCTS, AUTHORS)))

    data, errors = await executor.execute(plan, {})

    assert [p["name"] for p in data["topProducts"]] == ["Table", "Couch", "Chair"]
    assert all("reviews" not in p for p in data["topProducts"])
    assert len(errors) == 1
    assert errors[0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert errors[0]["extensions"]["service"] == "reviews"
    assert "503" in errors[0]["message"]


async def test_timeout_becomes_an_error(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    subgraphs["accounts"].delay_seconds = 2.0
    plan = QueryPlan(ParallelNode((TOP_PRODUCTS, FetchNode("accounts", "{me{username}}"))))

    data, errors = await executor.execute(plan, {})

    assert len(data["topProducts"]) == 3
    assert "me" not in data
    assert [e["extensions"]["code"] for e in errors] == ["SUBREQUEST_TIMEOUT"]


async def test_entity_count_mismatch_is_an_error(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    fetch = FetchNode(
        "products",
        "query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}}"
        " more:_entities(representations:$representations){__typename}}",
        requires=(InlineFragmentRequirement("Product", (FieldRequirement("__typename"), FieldRequirement("upc"))),),
    )
    # Ask for the _entities list under an alias so that the real "_entities" key is absent.
    aliased = FetchNode(
        fetch.service_name, fetch.operation.replace("{_entities(", "{x:_entities(", 1), requires=fetch.requires
    )
    data, errors = await executor.execute(
        QueryPlan(SequenceNode((TOP_PRODUCTS, FlattenNode(("topProducts", "@"), aliased)))), {}
    )

    assert [e["message"] for e in errors] == ['Expected "data._entities" to be an array']
    assert all("more" not in p for p in data["topProducts"])


@pytest.mark.parametrize(("value", "expected"), [(True, "products"), (False, "accounts")])
async def test_condition_reads_the_variable(
    executor: Executor, subgraphs: dict[str, FakeSubgraph], value: bool, expected: str
) -> None:
    plan = QueryPlan(ConditionNode("flag", TOP_PRODUCTS, FetchNode("accounts", "{me{username}}")))

    await executor.execute(plan, {"flag": value})

    called = [name for name, graph in subgraphs.items() if graph.requests]
    assert called == [expected]


async def test_input_and_output_rewrites(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    fetch = FetchNode(
        "inventory",
        ENTITIES_OP % "...on Product{__typename shippingEstimate}",
        requires=(
            InlineFragmentRequirement(
                "Product",
                (
                    FieldRequirement("__typename"),
                    FieldRequirement("upc"),
                    FieldRequirement("price"),
                    FieldRequirement("weight"),
                ),
            ),
        ),
        input_rewrites=(FetchRewrite(("... on Product", "__typename"), "Product"),),
        output_rewrites=(FetchRewrite(("__typename",), "Product"),),
    )
    prices = FetchNode("products", "{topProducts{__typename upc price weight}}")

    data, errors = await executor.execute(
        QueryPlan(SequenceNode((prices, FlattenNode(("topProducts", "@"), fetch)))), {}
    )

    assert errors == []
    assert {p["__typename"] for p in data["topProducts"]} == {"Product"}
    assert data["topProducts"][0]["shippingEstimate"] == 50


async def test_headers_are_propagated(executor: Executor, subgraphs: dict[str, FakeSubgraph]) -> None:
    await executor.execute(QueryPlan(TOP_PRODUCTS), {}, {"authorization": "Bearer abc"})

    assert subgraphs["products"].requests[0]["headers"]["authorization"] == "Bearer abc"


async def test_aliased_requirement_is_read_from_the_alias(
    executor: Executor, subgraphs: dict[str, FakeSubgraph]
) -> None:
    prices = FetchNode("products", "{topProducts{__typename upc price__alias_0:price weight}}")
    requirement = InlineFragmentRequirement(
        "Product",
        (
            FieldRequirement("__typename"),
            FieldRequirement("upc"),
            FieldRequirement("price", alias="price__alias_0"),
            FieldRequirement("weight"),
        ),
    )
    fetch = FetchNode("inventory", ENTITIES_OP % "...on Product{shippingEstimate}", requires=(requirement,))

    data, errors = await executor.execute(
        QueryPlan(SequenceNode((prices, FlattenNode(("topProducts", "@"), fetch)))), {}
    )

    assert errors == []
    sent: dict[str, Any] = subgraphs["inventory"].entity_calls()[0][0]
    assert sent["price"] == 899
    assert "price__alias_0" not in sent
    assert data["topProducts"][2]["shippingEstimate"] == 25
