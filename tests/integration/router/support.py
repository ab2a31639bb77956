"""Small federation subgraphs and a router over them, all on real HTTP servers, for the server tests."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from router.compose import SubgraphInput, compose_or_raise
from router.server.app import HTTP_PROTOCOL, RouterOptions, create_router_app
from router.server.config import RouterConfig, parse_router_config
from router.server.reload import FileSource
from tests.federation.support.subgraph import FakeSubgraph, keyed
from tests.support.servers import serve_app

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: [{imports}])\n'

USERS = [
    {"id": "u1", "name": "Ada", "email": "ada@example.com", "secret": "s1"},
    {"id": "u2", "name": "Bob", "email": "bob@example.com", "secret": "s2"},
]
PRODUCTS = [
    {"id": "p1", "name": "Table", "price": 899, "seller": {"__typename": "User", "id": "u1"}},
    {"id": "p2", "name": "Couch", "price": 1299, "seller": {"__typename": "User", "id": "u2"}},
]

ACCOUNTS_SDL = (
    LINK.format(imports='"@key", "@authenticated", "@requiresScopes"')
    + """
type Query {
  me: User @authenticated
  user(id: ID!): User
  users: [User!]!
}
type User @key(fields: "id") {
  id: ID!
  name: String!
  email: String @requiresScopes(scopes: [["read:email"], ["admin"]])
  secret: String! @authenticated
}
"""
)

PRODUCTS_SDL = (
    LINK.format(imports='"@key"')
    + """
type Query {
  products: [Product!]!
  product(id: ID!): Product
}
type Mutation {
  addProduct(name: String!): Product!
}
type Product @key(fields: "id") {
  id: ID!
  name: String!
  price: Int!
  seller: User
}
type User @key(fields: "id", resolvable: false) {
  id: ID!
}
"""
)


# A query over both subgraphs (a product's seller lives in accounts), and their answer to it.
PRODUCTS_WITH_SELLERS = "{ products { id name seller { name } } }"
PRODUCTS_WITH_SELLERS_ANSWER = {
    "data": {
        "products": [
            {"id": "p1", "name": "Table", "seller": {"name": "Ada"}},
            {"id": "p2", "name": "Couch", "seller": {"name": "Bob"}},
        ]
    }
}


def accounts() -> FakeSubgraph:
    return FakeSubgraph(
        name="accounts",
        sdl=ACCOUNTS_SDL,
        resolvers={
            "Query.user": lambda _parent, id: next((u for u in USERS if u["id"] == id), None),
        },
        root={"me": USERS[0], "users": USERS},
        entities={"User": keyed(USERS, "id")},
    )


def products() -> FakeSubgraph:
    return FakeSubgraph(
        name="products",
        sdl=PRODUCTS_SDL,
        resolvers={
            "Query.product": lambda _parent, id: next((p for p in PRODUCTS if p["id"] == id), None),
            "Mutation.addProduct": lambda _parent, name: {"id": "p9", "name": name, "price": 1, "seller": None},
        },
        root={"products": PRODUCTS},
        entities={"Product": keyed(PRODUCTS, "id")},
    )


def compose(graphs: dict[str, FakeSubgraph], *extra: SubgraphInput) -> str:
    """The supergraph of ``graphs`` and any ``extra`` subgraphs served otherwise (a subscription endpoint)."""
    return compose_or_raise([*(SubgraphInput(name=g.name, url=g.url, sdl=g.sdl) for g in graphs.values()), *extra])


@contextlib.contextmanager
def running_router(
    supergraph_file: Path,
    config: dict[str, Any] | RouterConfig | None = None,
    options: RouterOptions | None = None,
) -> Iterator[str]:
    """Serve a router over ``supergraph_file``; yields its base URL (no trailing slash)."""
    parsed = config if isinstance(config, RouterConfig) else parse_router_config(config or {})
    app = create_router_app(FileSource(supergraph_file), parsed, options or RouterOptions())
    with serve_app(app, http=HTTP_PROTOCOL) as url:
        yield url.rstrip("/")


def metric_value(text: str, name: str, labels: str = "") -> float:
    """The sample ``name{labels}`` in a /metrics ``text`` (``labels`` as printed: ``subgraph="products"``);
    0 when it is absent, as a labelled counter is until first counted."""
    label_part = re.escape(f"{{{labels}}}") if labels else r"(?:\{[^}]*\})?"
    found = re.search(rf"^{re.escape(name)}{label_part} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found is not None else 0.0


async def post_held(
    client: httpx.AsyncClient,
    url: str,
    requests: list[tuple[dict[str, str], dict[str, Any]]],
    hold: threading.Event,
    ready: Callable[[], Awaitable[bool]],
    seconds: float = 20.0,
) -> tuple[list[httpx.Response], bool]:
    """POST ``requests`` (headers, body) to ``url``'s /graphql at once while subgraphs ``hold`` what they
    get; release them once ``ready()`` (polled every 50 ms, for ``seconds`` at most) says the test has
    seen what it waits for. Returns every response, answered even when the wait ran out (so none is
    left for the next test), and whether ``ready`` was reached."""
    sending = asyncio.gather(*(client.post(f"{url}/graphql", json=body, headers=h) for h, body in requests))
    reached = False
    for _ in range(int(seconds / 0.05)):
        reached = await ready()
        if reached:
            break
        await asyncio.sleep(0.05)
    hold.set()
    return await sending, reached


# A subscription subgraph: its root field names a product whose fields come from the products subgraph.
TICKS_SDL = (
    LINK.format(imports='"@key"')
    + """
type Query { tickCount: Int }
type Subscription { ticked: Product }
type Product @key(fields: "id", resolvable: false) { id: ID! }
"""
)


def ticking_subgraph() -> Starlette:
    """A subscription subgraph (graphql-transport-ws): one event per subscribe, naming product p1 (its
    name comes from the products subgraph, per event), then ``complete``."""

    async def endpoint(socket: WebSocket) -> None:
        await socket.accept(subprotocol="graphql-transport-ws")
        await socket.receive_json()  # connection_init
        await socket.send_json({"type": "connection_ack"})
        subscribe = await socket.receive_json()
        event = {"data": {"ticked": {"__typename": "Product", "id": "p1"}}}
        await socket.send_json({"id": subscribe["id"], "type": "next", "payload": event})
        await socket.send_json({"id": subscribe["id"], "type": "complete"})
        with contextlib.suppress(WebSocketDisconnect):
            await socket.close()

    return Starlette(routes=[WebSocketRoute("/", endpoint)])
