"""Selections of one response key that a subgraph cannot merge: the planner aliases one of them and
the executor renames it back (``KeyRenamer`` output rewrites).

``User.name`` is ``String!`` in subgraph ``a`` but ``String`` in ``b``, so the supergraph (and the
client) see ``String`` on both ``User`` and ``Admin``: ``... on User { name } ... on Admin { name }``
is a valid client query, yet sent unaliased to ``a`` it breaks the "fields can merge" rule there
(``String!`` against ``String``). The same happens for object and list types, inside an
``_entities`` fetch, and, in an ``@interfaceObject`` subgraph that sees ``User`` and ``Admin`` as one
type, for the same field asked with different arguments in sibling fragments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from router.display import format_query_plan
from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@interfaceObject"])\n'
)

PEOPLE: list[dict[str, Any]] = [
    {
        "__typename": "User",
        "id": "u1",
        "name": "Ada",
        "nickname": "ada",
        "contact": {"email": "ada@example.com"},
        "tags": ["admin", "ops"],
    },
    {
        "__typename": "Admin",
        "id": "m1",
        "name": "Max",
        "nickname": "max",
        "contact": None,
        "tags": ["root", None],
    },
    {"__typename": "Admin", "id": "m2", "name": None, "nickname": None, "contact": {"email": None}, "tags": None},
    {
        "__typename": "User",
        "id": "u2",
        "name": "Bo",
        "nickname": "bo",
        "contact": {"email": "bo@example.com"},
        "tags": [],
    },
]


def a() -> FakeSubgraph:
    """Types differ between ``User`` and ``Admin`` here: fields of both in one fetch clash."""
    return FakeSubgraph(
        "a",
        LINK
        + """
        type Query { people: [Person!]! }
        interface Person @key(fields: "id") { id: ID! }
        type User implements Person @key(fields: "id") {
          id: ID! name: String! @shareable contact: Contact! @shareable tags: [String!]! @shareable
        }
        type Admin implements Person @key(fields: "id") {
          id: ID! name: String @shareable contact: Contact @shareable tags: [String] @shareable
        }
        type Contact @shareable { email: String }
        """,
        root={"people": [{k: v for k, v in p.items() if k != "nickname"} for p in PEOPLE]},
        entities={"Person": keyed(PEOPLE, "id"), "User": keyed(PEOPLE, "id"), "Admin": keyed(PEOPLE, "id")},
    )


def b() -> FakeSubgraph:
    """Nullable everywhere (so the supergraph is), except ``User.nickname``."""
    return FakeSubgraph(
        "b",
        LINK
        + """
        type User @key(fields: "id") {
          id: ID! name: String @shareable contact: Contact @shareable tags: [String] @shareable
          nickname: String! @shareable
        }
        type Admin @key(fields: "id") {
          id: ID! name: String @shareable contact: Contact @shareable tags: [String] @shareable
          nickname: String @shareable
        }
        type Contact @shareable { email: String }
        """,
        entities={"User": keyed(PEOPLE, "id"), "Admin": keyed(PEOPLE, "id")},
    )


def c() -> FakeSubgraph:
    """Declares ``User.nickname`` nullable (so the client sees ``String``) but cannot be entered."""
    return FakeSubgraph(
        "c",
        LINK
        + """
        type Query { featured: User }
        type User @key(fields: "id", resolvable: false) { id: ID! nickname: String @shareable }
        """,
        root={"featured": PEOPLE[0]},
    )


def d() -> FakeSubgraph:
    """An ``@interfaceObject``: ``... on User`` and ``... on Admin`` are both ``Person`` here."""
    return FakeSubgraph(
        "d",
        LINK
        + """
        type Person @key(fields: "id") @interfaceObject { id: ID! greeting(lang: String!): String }
        """,
        resolvers={"Person.greeting": lambda person, lang: f"{lang}:{person['id']}"},
        entities={"Person": lambda representation: {"id": representation["id"]}},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([a(), b(), c(), d()]) as deployed:
        yield deployed


def _plan(deployment: Deployment, query: str) -> str:
    prepared = deployment.engines["ours"].prepare(query, None)
    return format_query_plan(prepared.plan)  # type: ignore[union-attr]


async def test_leaf_types_differ_in_one_subgraph(deployment: Deployment) -> None:
    query = "{ people { id ... on User { name } ... on Admin { name } } }"
    result = await deployment.compare(query)
    assert [p.get("name") for p in result["data"]["people"]] == ["Ada", "Max", None, "Bo"]
    assert "name__alias_0: name" in _plan(deployment, query)
    sent = deployment.subgraphs["a"].requests[-1]["query"]
    assert "name__alias_0:name" in sent


async def test_client_aliases_are_renamed_back(deployment: Deployment) -> None:
    result = await deployment.compare("{ people { ... on User { n: name } ... on Admin { n: name } } }")
    assert [p.get("n") for p in result["data"]["people"]] == ["Ada", "Max", None, "Bo"]


async def test_object_and_list_types_differ(deployment: Deployment) -> None:
    query = """{ people { __typename
        ... on User { contact { email } tags }
        ... on Admin { contact { email } tags } } }"""
    result = await deployment.compare(query)
    assert result["data"]["people"][0] == {
        "__typename": "User",
        "contact": {"email": "ada@example.com"},
        "tags": ["admin", "ops"],
    }
    assert result["data"]["people"][1] == {"__typename": "Admin", "contact": None, "tags": ["root", None]}
    plan = _plan(deployment, query)
    assert "contact__alias_0: contact" in plan
    assert "tags__alias_0: tags" in plan


async def test_types_differ_inside_an_entity_fetch(deployment: Deployment) -> None:
    """``nickname`` only comes from ``b`` (``c`` cannot be entered), where its types clash."""
    query = "{ people { id ... on User { nickname } ... on Admin { nickname } } }"
    result = await deployment.compare(query)
    assert [p.get("nickname") for p in result["data"]["people"]] == ["ada", "max", None, "bo"]
    plan = _plan(deployment, query)
    assert 'Flatten(path: "people.@")' in plan
    assert "nickname__alias_0: nickname" in plan


async def test_same_field_with_other_arguments_in_an_interface_object(deployment: Deployment) -> None:
    """Both fragments land on ``Person`` in ``d``: the second ``greeting`` is aliased and renamed
    back for ``Admin`` objects only.

    Apollo's planner (2.14) merges the two into one ``g: greeting(lang: "en")`` and Apollo Gateway
    answers ``"en:m1"`` for the admins, so this test checks our planner's answer directly."""
    query = '{ people { id ... on User { g: greeting(lang: "en") } ... on Admin { g: greeting(lang: "fr") } } }'
    result = await deployment.engines["ours"].execute(query, None, None)
    assert "errors" not in result
    assert [p["g"] for p in result["data"]["people"]] == ["en:u1", "fr:m1", "fr:m2", "en:u2"]
    plan = _plan(deployment, query)
    assert 'g__alias_0: greeting(lang: "fr")' in plan


async def test_client_alias_named_like_a_key_field(deployment: Deployment) -> None:
    """The client calls ``name`` ``id`` where the hop to ``b`` needs the key ``id``: the key is
    fetched as ``id__alias_0`` and the representation reads it from there.

    Apollo's planner (2.14) selects only the key ``id`` there, so Apollo Gateway answers ``"u1"``
    instead of ``"Ada"``; this test checks our planner's answer directly."""
    query = "{ people { ... on User { id: name nickname } } }"
    result = await deployment.engines["ours"].execute(query, None, None)
    assert "errors" not in result
    assert result["data"]["people"] == [{"id": "Ada", "nickname": "ada"}, {}, {}, {"id": "Bo", "nickname": "bo"}]
    sent = deployment.subgraphs["b"].entity_calls()[-1]
    assert sent == [{"__typename": "User", "id": "u1"}, {"__typename": "User", "id": "u2"}]
