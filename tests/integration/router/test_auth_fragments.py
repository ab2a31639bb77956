"""``@authenticated`` fields selected under type conditions narrower than their position.

The removed field must come back as ``null`` exactly on the objects the type condition matches
(and nowhere else), in the field's place, with one error per removed selection.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from router.compose import SubgraphInput, compose_or_raise
from router.server.app import RouterOptions
from router.server.auth import RouterAuthenticator
from tests.federation.support.subgraph import FakeSubgraph, keyed
from tests.integration.router.support import running_router
from tests.support.servers import serve_app
from tests.support.tokens import TestTokens

pytestmark = pytest.mark.router
TOKENS = TestTokens()

SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@authenticated"])
type Query { items: [Item]! item(id: ID!): Item shelf: Shelf }
type Shelf { items: [Item!]! }
interface Item { id: ID! }
type Book implements Item @key(fields: "id") {
  id: ID!
  title: String
  price: Int @authenticated
  isbn: String! @authenticated
}
type Movie implements Item @key(fields: "id") { id: ID! length: Int }
"""
ITEMS: list[dict[str, Any]] = [
    {"__typename": "Book", "id": "b1", "title": "Dune", "price": 12, "isbn": "978-0"},
    {"__typename": "Movie", "id": "m1", "length": 155},
    {"__typename": "Book", "id": "b2", "title": "Emma", "price": 7, "isbn": "978-1"},
]
UNAUTHORIZED = "UNAUTHORIZED_FIELD_OR_TYPE"


def shop() -> FakeSubgraph:
    return FakeSubgraph(
        "shop",
        SDL,
        resolvers={"Query.item": lambda _parent, id: next((i for i in ITEMS if i["id"] == id), None)},
        root={"items": ITEMS, "shelf": {"items": ITEMS}},
        entities={"Book": keyed(ITEMS, "id"), "Movie": keyed(ITEMS, "id")},
    )


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    graph = shop()
    with serve_app(graph.asgi_app()) as url:
        graph.url = url
        path = tmp_path_factory.mktemp("auth-fragments") / "supergraph.graphql"
        path.write_text(compose_or_raise([SubgraphInput(name="shop", url=url, sdl=SDL)]))
        options = RouterOptions(authenticator=RouterAuthenticator.with_verifiers([TOKENS.verifier()]))
        with running_router(path, options=options) as router:
            yield router


def post(url: str, query: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    response = httpx.post(f"{url}/graphql", json={"query": query}, headers=headers or {})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def signed_in() -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": TOKENS.issuer,
        "aud": "marketplace",
        "sub": "u1",
        "role": "USER",
        "scope": "",
        "iat": now - 10,
        "exp": now + 600,
        "jti": str(uuid.uuid4()),
    }
    return {"authorization": f"Bearer {TOKENS.ring.sign(claims)}"}


def test_a_removed_field_in_a_narrower_inline_fragment_is_null_only_on_matching_objects(router_url: str) -> None:
    body = post(router_url, "{ items { id ... on Book { price } ... on Movie { length } } }")
    assert body["data"] == {
        "items": [{"id": "b1", "price": None}, {"id": "m1", "length": 155}, {"id": "b2", "price": None}]
    }
    assert body["errors"] == [
        {"message": "Unauthorized field or type", "path": ["items", "@", "price"], "extensions": {"code": UNAUTHORIZED}}
    ]


def test_the_null_takes_the_removed_fields_place_in_a_named_fragment(router_url: str) -> None:
    body = post(router_url, "query { items { id ...B } } fragment B on Book { price title }")
    books = [item for item in body["data"]["items"] if item["id"].startswith("b")]
    assert books == [{"id": "b1", "price": None, "title": "Dune"}, {"id": "b2", "price": None, "title": "Emma"}]
    assert [list(book) for book in books] == [["id", "price", "title"], ["id", "price", "title"]]
    assert body["data"]["items"][1] == {"id": "m1"}
    assert [e["path"] for e in body["errors"]] == [["items", "@", "price"]]


def test_an_object_of_another_type_gets_no_key(router_url: str) -> None:
    movie = post(router_url, '{ item(id: "m1") { id ... on Book { price } } }')
    assert movie["data"] == {"item": {"id": "m1"}}
    book = post(router_url, '{ item(id: "b1") { id ... on Book { price } } }')
    assert book["data"] == {"item": {"id": "b1", "price": None}}
    assert [e["path"] for e in book["errors"]] == [["item", "price"]]


def test_a_field_left_with_nothing_selected_is_null_whatever_its_type(router_url: str) -> None:
    # As Apollo: a selection set emptied by authorization removes its field too.
    for item in ("b1", "m1"):
        body = post(router_url, f'{{ item(id: "{item}") {{ ... on Book {{ price }} }} }}')
        assert body["data"] == {"item": None}
        assert [e["path"] for e in body["errors"]] == [["item", "price"]]


def test_a_removed_non_null_field_nulls_only_the_matching_objects(router_url: str) -> None:
    body = post(router_url, "{ items { id ... on Book { isbn } } }")
    assert body["data"] == {"items": [None, {"id": "m1"}, None]}
    assert [e["path"] for e in body["errors"]] == [["items", "@", "isbn"]]


def test_a_non_null_chain_under_a_narrower_fragment_bubbles_to_the_nullable_parent(router_url: str) -> None:
    body = post(router_url, "{ shelf { items { id ... on Book { isbn } } } }")
    assert body["data"] == {"shelf": None}
    only_movies = post(router_url, "{ shelf { items { ... on Movie { id } ... on Book { title } } } }")
    assert "errors" not in only_movies


def test_signed_in_callers_get_the_values(router_url: str) -> None:
    body = post(router_url, "{ items { id ... on Book { price isbn } } }", signed_in())
    assert body == {
        "data": {
            "items": [
                {"id": "b1", "price": 12, "isbn": "978-0"},
                {"id": "m1"},
                {"id": "b2", "price": 7, "isbn": "978-1"},
            ]
        }
    }
