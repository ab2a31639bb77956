"""`@override` on a type that implements different interfaces in each subgraph, progressive override
(`@override(label:)`), and a non-resolvable `@interfaceObject` (`@key(resolvable: false)`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
    'import: ["@key", "@shareable", "@external", "@override", "@interfaceObject"])\n'
)

POSTS: list[dict[str, Any]] = [
    {"__typename": "Post", "id": "p1", "title": "Hello", "views": 3},
    {"__typename": "Post", "id": "p2", "title": "Again", "views": 7},
]


def a() -> FakeSubgraph:
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { feed: [Node!]! posts: [Post!]! }
        interface Node { id: ID! }
        type Post implements Node @key(fields: "id") { id: ID! title: String views: Int likes: Int }
        """,
        root={"feed": POSTS, "posts": POSTS},
        resolvers={"Post.views": lambda p: p["views"], "Post.likes": lambda p: 1},
        entities={"Post": keyed(POSTS, "id")},
    )


def b() -> FakeSubgraph:
    return FakeSubgraph(
        "b",
        LINK
        + """
        interface Publication { id: ID! title: String }
        type Post implements Publication @key(fields: "id") {
          id: ID!
          title: String @override(from: "a")
          views: Int @override(from: "a", label: "percent(100)")
          score: Int @override(from: "gone")
        }
        """,
        resolvers={
            "Post.title": lambda p: f"{next(x for x in POSTS if x['id'] == p['id'])['title']} (b)",
            "Post.views": lambda p: 1000,
            "Post.score": lambda p: len(p["id"]),
        },
        entities={"Post": lambda rep: dict(rep)},
    )


def c() -> FakeSubgraph:
    """Reaches `Node` only as a non-resolvable interface object: it can return references to it."""
    return FakeSubgraph(
        "c",
        LINK
        + """
        type Query { pinned: Node }
        type Node @key(fields: "id", resolvable: false) @interfaceObject { id: ID! }
        """,
        root={"pinned": {"__typename": "Node", "id": "p2"}},
    )


def a_with_node_entity() -> FakeSubgraph:
    graph = a()
    graph.sdl = graph.sdl.replace("interface Node { id: ID! }", 'interface Node @key(fields: "id") { id: ID! }')
    graph.entities = {**graph.entities, "Node": keyed(POSTS, "id")}
    return graph


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a_with_node_entity(), b(), c()]) as deployed:
        yield deployed


async def test_override_on_a_type_implementing_other_interfaces(deployment: Deployment) -> None:
    result = await deployment.compare("{ feed { id ... on Post { title } ... on Publication { id } } }")
    assert result["data"]["feed"] == [{"id": "p1", "title": "Hello (b)"}, {"id": "p2", "title": "Again (b)"}]
    await deployment.compare("{ posts { ... on Node { id } ... on Publication { title } } }")


async def test_override_from_a_subgraph_that_does_not_exist(deployment: Deployment) -> None:
    result = await deployment.compare("{ posts { id score } }")
    assert [p["score"] for p in result["data"]["posts"]] == [2, 2]


async def test_progressive_override_percent_100_is_on_as_in_apollo_router(deployment: Deployment) -> None:
    """Apollo Gateway never turns progressive-override labels on, so `views` stays with a there. We
    evaluate ``percent(x)`` labels per request as Apollo Router does: ``percent(100)`` is always on, so
    `views` comes from b (more in ``test_progressive_override.py``). Differs from Apollo Gateway on
    purpose. Apollo's plans on our executor are made with every label off, as Apollo Gateway's."""
    gateway = await deployment.apollo("{ posts { id views } }")
    assert [p["views"] for p in gateway["data"]["posts"]] == [3, 7]
    for planner, engine in deployment.engines.items():
        result = await engine.execute("{ posts { id views } }")
        expected = [1000, 1000] if planner == "ours" else [3, 7]
        assert [p["views"] for p in result["data"]["posts"]] == expected, planner


async def test_non_resolvable_interface_object(deployment: Deployment) -> None:
    result = await deployment.compare("{ pinned { id __typename ... on Post { title likes } } }")
    assert result["data"]["pinned"] == {"id": "p2", "__typename": "Post", "title": "Again (b)", "likes": 1}
