"""What a type is *in one subgraph* (issue 14, classes 6-8).

6. ``Node`` is implemented by ``Oven`` in ``k`` but by ``Toaster`` only in ``t``: ``... on Node { id }``
   sent to ``k`` would skip every toaster, so it becomes ``... on Oven { id } ... on Toaster { id }``.
7. ``Viewer.book`` is ``Book`` in ``v1`` and the union ``Media`` in the supergraph: the ``... on
   Movie`` condition cannot apply in ``v1`` and is dropped from its fetch (``v1`` would refuse it).
8. Partial unions: ``Shelf`` is ``Novel`` in ``m1`` and ``Novel | Film`` in ``m2``; a type condition
   on a member ``m1`` does not know is left out of ``m1``'s fetch (Apollo and Hive agree).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])\n'

APPLIANCES: list[dict[str, Any]] = [
    {"__typename": "Oven", "id": "o1", "temp": 220},
    {"__typename": "Toaster", "id": "t1", "slots": 2},
    {"__typename": "Toaster", "id": "t2", "slots": 4},
]
NOVELS: list[dict[str, Any]] = [{"__typename": "Novel", "id": "n1", "title": "Emma", "pages": 474}]
FILM: dict[str, Any] = {"__typename": "Film", "id": "f1", "title": "Heat"}


def k() -> FakeSubgraph:
    return FakeSubgraph(
        "k",
        LINK
        + """
        type Query { kitchen: [Appliance!]! }
        interface Node { id: ID! }
        interface Appliance { id: ID! }
        type Oven implements Appliance & Node @key(fields: "id") { id: ID! temp: Int }
        type Toaster implements Appliance @key(fields: "id") { id: ID! }
        """,
        root={"kitchen": APPLIANCES},
        entities={"Oven": keyed(APPLIANCES, "id"), "Toaster": keyed(APPLIANCES, "id")},
    )


def t() -> FakeSubgraph:
    return FakeSubgraph(
        "t",
        LINK
        + """
        type Query { node(id: ID!): Node }
        interface Node { id: ID! }
        type Toaster implements Node @key(fields: "id") { id: ID! slots: Int }
        """,
        root={"node": lambda id: next((a for a in APPLIANCES if a["id"] == id and a["__typename"] == "Toaster"), None)},
        entities={"Toaster": keyed(APPLIANCES, "id")},
    )


def v1() -> FakeSubgraph:
    return FakeSubgraph(
        "v1",
        LINK
        + """
        type Query { viewer: Viewer @shareable }
        type Viewer @shareable { book: Book @shareable pages: Int }
        type Book @shareable { title: String }
        """,
        root={"viewer": {"book": {"title": "Dune"}, "pages": 412}},
    )


def v2() -> FakeSubgraph:
    return FakeSubgraph(
        "v2",
        LINK
        + """
        type Query { viewer: Viewer @shareable }
        type Viewer @shareable { book: Media @shareable }
        union Media = Book | Movie
        type Book @shareable { title: String }
        type Movie { title: String }
        """,
        root={"viewer": {"book": {"__typename": "Book", "title": "Dune"}}},
    )


def m1() -> FakeSubgraph:
    return FakeSubgraph(
        "m1",
        LINK
        + """
        type Query { shelf: [Shelf!]! }
        union Shelf = Novel
        type Novel @key(fields: "id") { id: ID! title: String }
        """,
        root={"shelf": NOVELS},
        entities={"Novel": keyed(NOVELS, "id")},
    )


def m2() -> FakeSubgraph:
    return FakeSubgraph(
        "m2",
        LINK
        + """
        type Query { featured: [Shelf!]! }
        union Shelf = Novel | Film
        type Novel @key(fields: "id") { id: ID! pages: Int }
        type Film @key(fields: "id") { id: ID! title: String }
        """,
        root={"featured": [NOVELS[0], FILM]},
        entities={"Novel": keyed(NOVELS, "id"), "Film": keyed([FILM], "id")},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([k(), t(), v1(), v2(), m1(), m2()]) as deployed:
        yield deployed


async def test_node_fragment_rewritten_to_the_concrete_types(deployment: Deployment) -> None:
    result = await deployment.compare("{ kitchen { ... on Node { id } } }")
    assert result["data"]["kitchen"] == [{"id": "o1"}, {"id": "t1"}, {"id": "t2"}]


async def test_node_fragment_with_nested_conditions_aliases_and_a_hop(deployment: Deployment) -> None:
    query = """
      query { kitchen { __typename ...N } }
      fragment N on Node { key: id ... on Toaster { s: slots } ... on Oven { temp } }
    """
    result = await deployment.compare(query)
    assert result["data"]["kitchen"][2] == {"__typename": "Toaster", "key": "t2", "s": 4}
    assert result["data"]["kitchen"][0] == {"__typename": "Oven", "key": "o1", "temp": 220}


async def test_type_condition_that_cannot_apply_in_the_subgraph_is_dropped(deployment: Deployment) -> None:
    result = await deployment.compare("{ viewer { pages book { ... on Book { title } ... on Movie { title } } } }")
    assert result["data"]["viewer"] == {"pages": 412, "book": {"title": "Dune"}}
    result = await deployment.compare("{ viewer { pages b: book { __typename ... on Movie { t: title } } } }")
    assert result["data"]["viewer"]["b"] == {"__typename": "Book"}


async def test_partial_union_member_left_out(deployment: Deployment) -> None:
    result = await deployment.compare("{ shelf { ... on Novel { title pages } ... on Film { title } } }")
    assert result["data"]["shelf"] == [{"title": "Emma", "pages": 474}]
    result = await deployment.compare("{ featured { __typename ... on Novel { title } ... on Film { t: title } } }")
    assert result["data"]["featured"] == [{"__typename": "Novel", "title": "Emma"}, {"__typename": "Film", "t": "Heat"}]
