"""The many-fetch benchmark case: four subgraphs, one query, 13 subgraph fetches in several rounds.

Shaped like the public gateway benchmark of issue 17: products, reviews, accounts and inventory
reference each other so the plan hops between them (a product's seller and its reviews' authors live
in accounts, their favourite products back in products, stock in inventory, ...), and the response is
well over 50 KB. The subgraphs memoise their answers by request body (``Memo``, served by
``MemoProtocol``), so after the first request of each shape they cost a dictionary lookup and the
router is the bottleneck; they count the requests they receive (``GET /count``) so the bench can print
subgraph requests per client request.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httptools
import orjson
import uvloop

from tests.federation.support.subgraph import FakeSubgraph, keyed

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires"])\n'
)

_TEXT = "A sturdy, well-made thing that does what it says, reviewed at some length by its owner."

USERS: list[dict[str, Any]] = [
    {"id": f"u{i}", "name": f"User {i}", "bio": f"Bio of user {i}. {_TEXT}", "favorite": {"upc": f"p{i % 40}"}}
    for i in range(20)
]
PRODUCTS: list[dict[str, Any]] = [
    {
        "upc": f"p{i}",
        "name": f"Product {i}",
        "description": f"Product {i}: {_TEXT}",
        "price": 100 + i * 37 % 900,
        "weight": 10 + i * 13 % 200,
        "seller": {"id": f"u{i % 20}"},
    }
    for i in range(40)
]
REVIEWS: list[dict[str, Any]] = [
    {
        "id": f"r{i}",
        "body": f"Review {i}: {_TEXT}",
        "author": {"id": f"u{(i * 7) % 20}"},
        "product": {"upc": f"p{i % 40}"},
    }
    for i in range(120)
]

QUERY = """
query ManyFetches {
  topProducts(first: 30) {
    upc name description price inStock shippingEstimate
    seller { name bio favorite { name inStock reviews { body author { name } } } }
    reviews {
      body
      author { name favorite { name description inStock } }
      product { name }
    }
  }
}
"""


def accounts() -> FakeSubgraph:
    return FakeSubgraph(
        "accounts",
        LINK
        + """
        type Query { users: [User!]! }
        type User @key(fields: "id") { id: ID! name: String bio: String favorite: Product }
        type Product @key(fields: "upc", resolvable: false) { upc: String! }
        """,
        root={"users": USERS},
        entities={"User": keyed(USERS, "id")},
    )


def products() -> FakeSubgraph:
    return FakeSubgraph(
        "products",
        LINK
        + """
        type Query { topProducts(first: Int = 5): [Product!]! }
        type Product @key(fields: "upc") {
          upc: String! name: String description: String price: Int weight: Int seller: User
        }
        type User @key(fields: "id", resolvable: false) { id: ID! }
        """,
        resolvers={"Query.topProducts": lambda _p, first: PRODUCTS[:first]},
        entities={"Product": keyed(PRODUCTS, "upc")},
    )


def reviews() -> FakeSubgraph:
    return FakeSubgraph(
        "reviews",
        LINK
        + """
        type Review @key(fields: "id") { id: ID! body: String author: User product: Product }
        type User @key(fields: "id", resolvable: false) { id: ID! }
        type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }
        """,
        resolvers={"Product.reviews": lambda p: [r for r in REVIEWS if r["product"]["upc"] == p["upc"]]},
        entities={"Review": keyed(REVIEWS, "id"), "Product": lambda rep: dict(rep)},
    )


def inventory() -> FakeSubgraph:
    return FakeSubgraph(
        "inventory",
        LINK
        + """
        type Product @key(fields: "upc") {
          upc: String! inStock: Boolean
          price: Int @external weight: Int @external
          shippingEstimate: Int @requires(fields: "price weight")
        }
        """,
        resolvers={
            "Product.inStock": lambda p: int(p["upc"][1:]) % 3 != 0,
            "Product.shippingEstimate": lambda p: 0 if p["price"] > 800 else p["weight"] // 2,
        },
        entities={"Product": lambda rep: dict(rep)},
    )


def graphs() -> list[FakeSubgraph]:
    return [accounts(), products(), reviews(), inventory()]


class Memo:
    """The subgraphs' answers, cached by (path, body): ``POST /<subgraph>/`` runs the subgraph (graphql-core)
    once per distinct body, and every later identical request is a dict lookup. ``GET /count`` answers the
    number of GraphQL requests received; ``POST /count/reset`` zeroes it."""

    def __init__(self, subgraphs: list[FakeSubgraph]) -> None:
        self.subgraphs = {f"/{g.name}/": g for g in subgraphs}
        self.cache: dict[tuple[bytes, bytes], bytes] = {}
        self.count = 0

    def cached(self, path: bytes, body: bytes) -> bytes | None:
        """The answer to a GraphQL request seen before (counted), else None."""
        answer = self.cache.get((path, body))
        if answer is not None:
            self.count += 1
        return answer

    async def answer(self, method: bytes, path: bytes, body: bytes) -> tuple[int, bytes]:
        if path.startswith(b"/count"):
            if method == b"POST":
                self.count = 0
            return 200, orjson.dumps({"count": self.count})
        graph = self.subgraphs.get(path.decode("latin-1"))
        if graph is None:
            return 404, b'{"error":"no such subgraph"}'
        self.count += 1
        request = orjson.loads(body)
        result = await graph.execute(request["query"], request.get("variables"), request.get("operationName"))
        answer = orjson.dumps(result)
        if "errors" not in result:
            self.cache[(path, body)] = answer
        return 200, answer


class MemoProtocol(asyncio.Protocol):
    """One HTTP/1.1 keep-alive connection to the memoised subgraphs: httptools parses, a cached answer is
    written from the parser's callback. Not uvicorn: at 10,000 subgraph requests a second, its ASGI path
    (36 µs of CPU per request, against 16-19 here) took 0.4 of the two cores the routers are measured on."""

    def __init__(self, memo: Memo) -> None:
        self.memo = memo
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []
        self.pending: asyncio.Future[None] | None = None  # the answer being computed (a cache miss)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._write(400, b'{"error":"bad request"}', keep_alive=False)

    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        path = self.url.split(b"?", 1)[0]
        body = b"".join(self.body)
        keep_alive = self.parser.should_keep_alive()
        answer = self.memo.cached(path, body) if self.pending is None else None
        if answer is not None:
            self._write(200, answer, keep_alive=keep_alive)
            return
        method = self.parser.get_method()
        after = self.pending
        self.pending = asyncio.ensure_future(self._answer_later(after, method, path, body, keep_alive))

    async def _answer_later(
        self, after: asyncio.Future[None] | None, method: bytes, path: bytes, body: bytes, keep_alive: bool
    ) -> None:
        if after is not None:
            await after  # answers leave in the order of the requests
        cached = self.memo.cached(path, body) if method == b"POST" else None
        status, answer = (200, cached) if cached is not None else await self.memo.answer(method, path, body)
        self._write(status, answer, keep_alive=keep_alive)
        if self.pending is asyncio.current_task():
            self.pending = None

    def _write(self, status: int, body: bytes, *, keep_alive: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        reason = b"OK" if status == 200 else b"Error"
        head = b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % (
            status,
            reason,
            len(body),
        )
        self.transport.write(head + body)
        if not keep_alive:
            self.transport.close()


def serve(port: int) -> None:
    """The memoised subgraphs on 127.0.0.1:``port`` until the process is stopped."""
    subgraphs = graphs()
    for graph in subgraphs:
        graph.record_requests = False
    memo = Memo(subgraphs)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: MemoProtocol(memo), "127.0.0.1", port, backlog=1024)
        async with server:
            await server.serve_forever()

    uvloop.run(main())
