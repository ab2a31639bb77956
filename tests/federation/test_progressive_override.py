"""Progressive override (``@override(from:, label:)``): a ``percent(x)`` label is on for x % of executions,
drawn per execution as Apollo Router does; other labels stay off. Apollo Gateway never turns a label on,
so with every label off our answers equal its own; with labels on, the field comes from the overriding
subgraph. The draws come from a seeded generator, so the expected split is computed, not guessed."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from router.engine import Engine
from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@override", "@requires", "@external"])\n'
)

POSTS: list[dict[str, Any]] = [
    {"id": "p1", "views": 3, "likes": 1, "rank": 10, "score": 5},
    {"id": "p2", "views": 7, "likes": 2, "rank": 20, "score": 6},
]
OLD = {"views": [3, 7], "likes": [1, 2], "rank": [10, 20], "score": [5, 6]}
NEW = {"views": [1000, 1000], "likes": [2000, 2000], "rank": [3000, 3000], "score": [4000, 4000]}


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { posts: [Post!]! }
        type Post @key(fields: "id") { id: ID! views: Int likes: Int rank: Int score: Int }
        """,
        root={"posts": POSTS},
        entities={"Post": keyed(POSTS, "id")},
    )


def b() -> FakeSubgraph:
    return FakeSubgraph(
        "b",
        LINK
        + """
        type Post @key(fields: "id") {
          id: ID!
          views: Int @override(from: "a", label: "percent(100)")
          likes: Int @override(from: "a", label: "percent(0)")
          rank: Int @override(from: "a", label: "percent(50)")
          score: Int @override(from: "a", label: "beta")
        }
        """,
        resolvers={
            "Post.views": lambda p: 1000,
            "Post.likes": lambda p: 2000,
            "Post.rank": lambda p: 3000,
            "Post.score": lambda p: 4000,
        },
        entities={"Post": lambda rep: dict(rep)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b()]) as deployed:
        yield deployed


def _column(result: dict[str, Any], name: str) -> list[Any]:
    return [post[name] for post in result["data"]["posts"]]


async def test_with_every_label_off_the_answer_is_apollo_gateways(deployment: Deployment) -> None:
    """Apollo Gateway turns no label on; our engine with no label on (a draw of 1.0 is under no
    percentage) answers the same, and labels that are never on agree on every engine."""
    query = "{ posts { id views likes rank score } }"
    engine = Engine(deployment.supergraph_sdl, label_draw=lambda: 1.0)
    assert engine.draw_labels() == frozenset()
    gateway = await deployment.apollo(query)
    assert {name: _column(gateway, name) for name in OLD} == OLD
    assert await engine.execute(query) == gateway
    await deployment.compare("{ posts { id likes score } }")  # percent(0) and "beta": off everywhere
    await engine.aclose()


async def test_percent_labels_are_drawn_per_execution(deployment: Deployment) -> None:
    seed = 17
    engine = Engine(deployment.supergraph_sdl, label_draw=random.Random(seed).random)
    replay = random.Random(seed)  # the same draws, in the engine's order: labels sorted by name
    assert engine.percent_labels == (("percent(0)", 0.0), ("percent(100)", 100.0), ("percent(50)", 50.0))
    b_requests_before = len(deployment.subgraphs["b"].requests)
    expected_rank_new = 0
    seen: list[dict[str, list[Any]]] = []
    for _ in range(200):
        draws = [replay.random() for _ in range(3)]
        expected_rank_new += draws[2] * 100 < 50
        result = await engine.execute("{ posts { id views likes rank score } }")
        assert "errors" not in result, result
        seen.append({name: _column(result, name) for name in OLD})
    rank_new = sum(row["rank"] == NEW["rank"] for row in seen)
    print(f"rank from the overriding subgraph in {rank_new} of 200 executions (expected {expected_rank_new})")
    assert all(row["views"] == NEW["views"] for row in seen)  # percent(100): always on
    assert all(row["likes"] == OLD["likes"] for row in seen)  # percent(0): never
    assert all(row["score"] == OLD["score"] for row in seen)  # "beta": only a coprocessor could turn it on
    assert all(row["rank"] in (OLD["rank"], NEW["rank"]) for row in seen)  # never mixed within one execution
    assert rank_new == expected_rank_new
    assert 70 <= rank_new <= 130  # and the seed is not a lopsided one
    # The overriding subgraph got the entity fetches (one per execution: views, and rank when on).
    assert len(deployment.subgraphs["b"].requests) - b_requests_before == 200
    await engine.aclose()


async def test_a_label_set_is_planned_once(deployment: Deployment) -> None:
    engine = Engine(deployment.supergraph_sdl, label_draw=lambda: 0.0)  # every label above 0 % is on
    on = engine.draw_labels()
    assert on == frozenset({"percent(50)", "percent(100)"})
    first = engine.prepare_with_labels("{ posts { rank } }", None, on)
    assert engine.prepare_with_labels("{ posts { rank } }", None, on) is first
    assert engine.prepare("{ posts { rank } }") is not first  # labels off: another plan
    assert _column(await engine.execute("{ posts { rank } }"), "rank") == NEW["rank"]
    await engine.aclose()
