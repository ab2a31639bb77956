"""Interfaces and unions across subgraphs, entity interfaces with `@interfaceObject` (reached
directly and indirectly), and a `Node` interface with `node(id)`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires", "@interfaceObject"])\n'
)

MEDIA: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "m1", "title": "Dune", "author": "Herbert"},
    {"__typename": "Movie", "id": "m2", "title": "Alien", "director": "Scott"},
    {"__typename": "Book", "id": "m3", "title": "Emma", "author": "Austen"},
]
RATINGS = {"m1": 5, "m2": 4, "m3": 3}


def _find(media_id: str) -> dict[str, Any] | None:
    return next((m for m in MEDIA if m["id"] == media_id), None)


def media() -> FakeSubgraph:
    return FakeSubgraph(
        "media",
        LINK
        + """
        type Query { media: [Media!]! search(text: String!): [SearchResult!]! node(id: ID!): Node }
        interface Node { id: ID! }
        interface Media @key(fields: "id") { id: ID! title: String! }
        type Book implements Media & Node @key(fields: "id") { id: ID! title: String! author: String }
        type Movie implements Media & Node @key(fields: "id") { id: ID! title: String! director: String }
        union SearchResult = Book | Movie
        """,
        resolvers={
            "Query.media": lambda _p: MEDIA,
            "Query.search": lambda _p, text: [m for m in MEDIA if text.lower() in m["title"].lower()],
            "Query.node": lambda _p, id: _find(id),
        },
        entities={
            "Media": lambda rep: _find(rep["id"]),
            "Book": lambda rep: _find(rep["id"]),
            "Movie": lambda rep: _find(rep["id"]),
        },
    )


def reviews() -> FakeSubgraph:
    return FakeSubgraph(
        "reviews",
        LINK
        + """
        type Query { topRated(min: Int = 4): [Media!]! }
        type Media @key(fields: "id") @interfaceObject {
          id: ID! rating: Int title: String! @external stars: String @requires(fields: "title")
        }
        """,
        resolvers={
            "Query.topRated": lambda _p, min: [
                {"__typename": "Media", "id": k} for k, v in sorted(RATINGS.items()) if v >= min
            ],
            "Media.rating": lambda m: RATINGS.get(m["id"]),
            "Media.stars": lambda m: f"{m['title']}: " + "*" * RATINGS.get(m["id"], 0),
        },
        entities={"Media": lambda rep: dict(rep)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([media(), reviews()]) as deployed:
        yield deployed


async def test_interface_with_fields_from_an_interface_object(deployment: Deployment) -> None:
    result = await deployment.compare(
        "{ media { __typename id title ... on Book { author } ... on Movie { director } rating } }"
    )
    assert [m["rating"] for m in result["data"]["media"]] == [5, 4, 3]


async def test_union_with_entity_fields(deployment: Deployment) -> None:
    await deployment.compare(
        '{ search(text: "e") { __typename ... on Book { title rating } ... on Movie { director } } }'
    )


async def test_interface_object_reached_first(deployment: Deployment) -> None:
    await deployment.compare("{ topRated { id rating title __typename ... on Book { author } } }")


async def test_interface_object_with_requires(deployment: Deployment) -> None:
    await deployment.compare("{ media { id stars } topRated(min: 5) { stars } }")


async def test_node_by_id(deployment: Deployment) -> None:
    await deployment.compare('{ node(id: "m2") { id ... on Movie { title rating } ... on Book { author } } }')
    await deployment.compare('{ node(id: "nope") { id } }')
