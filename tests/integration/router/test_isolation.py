"""Subgraph isolation: a Strawberry subgraph answers ``_entities``/``_service`` only to the router."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from router.server.app import RouterOptions, create_router_app
from router.server.config import RouterConfig
from router.server.reload import ComposeSource
from router.server.service_token import ServiceTokenCache
from servicekit.internal import HEADER, mint_service_token
from servicekit.router_only import router_only_extension
from tests.federation.support.subgraph import FakeSubgraph
from tests.support.servers import serve_app
from tests.support.servers import serve_app as serve_fake

pytestmark = pytest.mark.router
SECRET = "i" * 40
ITEMS = {"i1": "Lamp", "i2": "Rug"}


@strawberry.federation.type(keys=["id"])
class Item:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Item:
        return Item(id=id, name=ITEMS[str(id)])


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(id=strawberry.ID(key), name=name) for key, name in ITEMS.items()]


def items_app() -> Starlette:
    schema = strawberry.federation.Schema(query=Query, extensions=[router_only_extension(SECRET)])
    return Starlette(routes=[Route("/graphql", GraphQL(schema), methods=["GET", "POST"])])


CATALOG_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { featured: Item }
type Item @key(fields: "id", resolvable: false) { id: ID! }
"""


@pytest.fixture(scope="module")
def items_url() -> Iterator[str]:
    with serve_app(items_app()) as url:
        yield f"{url}/graphql"


def ask(url: str, query: str, headers: dict[str, str] | None = None, variables: Mapping[str, Any] | None = None) -> Any:
    return httpx.post(url, json={"query": query, "variables": variables}, headers=headers or {}).json()


ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Item { name } } }"
REPS = {"r": [{"__typename": "Item", "id": "i1"}]}


def test_direct_callers_cannot_use_entities_or_service(items_url: str) -> None:
    sdl = ask(items_url, "{ _service { sdl } }")
    entities = ask(items_url, ENTITIES, variables=REPS)
    hidden = ask(items_url, "query { ...S } fragment S on Query { _service { sdl } }")
    for body in (sdl, entities, hidden):
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "only be requested by the router" in body["errors"][0]["message"]
    assert ask(items_url, "{ items { id name } }") == {
        "data": {"items": [{"id": "i1", "name": "Lamp"}, {"id": "i2", "name": "Rug"}]}
    }


def test_only_a_valid_router_token_opens_them(items_url: str) -> None:
    other_service = {HEADER: mint_service_token(SECRET, "orders")}
    wrong_secret = {HEADER: mint_service_token("x" * 40, "router")}
    router = {HEADER: ServiceTokenCache(SECRET).token()}
    assert ask(items_url, ENTITIES, other_service, REPS)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert ask(items_url, ENTITIES, wrong_secret, REPS)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert ask(items_url, ENTITIES, router, REPS) == {"data": {"_entities": [{"name": "Lamp"}]}}
    assert "type Item" in ask(items_url, "{ _service { sdl } }", router)["data"]["_service"]["sdl"]


def test_the_router_composes_and_queries_isolated_subgraphs(items_url: str, tmp_path: Path) -> None:
    catalog = FakeSubgraph(name="catalog", sdl=CATALOG_SDL, root={"featured": {"__typename": "Item", "id": "i2"}})
    with serve_fake(catalog.asgi_app()) as catalog_url:
        config = tmp_path / "supergraph.yaml"
        config.write_text(
            "federation_version: =2.5.0\n"
            "subgraphs:\n"
            f"  catalog:\n    routing_url: {catalog_url}\n    schema:\n      sdl: |\n"
            + "".join(f"        {line}\n" for line in CATALOG_SDL.strip().splitlines())
            + f"  items:\n    routing_url: {items_url}\n    schema:\n      subgraph_url: {items_url}\n"
        )
        tokens = ServiceTokenCache(SECRET)
        source = ComposeSource(config, headers=lambda: {tokens.header: tokens.token()})
        app = create_router_app(source, RouterConfig(), RouterOptions(internal_secret=SECRET))
        with serve_app(app) as url:
            body = ask(f"{url}/graphql", "{ featured { id name } }")
    assert body == {"data": {"featured": {"id": "i2", "name": "Rug"}}}


def test_composition_fails_without_the_router_token(items_url: str, tmp_path: Path) -> None:
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        f"federation_version: =2.5.0\nsubgraphs:\n  items:\n    routing_url: {items_url}\n"
        f"    schema:\n      subgraph_url: {items_url}\n"
    )
    with pytest.raises(Exception, match="router"):
        ComposeSource(config).load()
