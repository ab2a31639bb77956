"""The many-fetch benchmark case: four subgraphs, one query, 13 subgraph fetches in several rounds.

Shaped like the public gateway benchmark of issue 17: products, reviews, accounts and inventory
reference each other so the plan hops between them (a product's seller and its reviews' authors live
in accounts, their favourite products back in products, stock in inventory, ...), and the response is
well over 50 KB. The subgraphs memoise their answers by request body (``MemoApp``), so after the first
request of each shape they cost a dictionary lookup and the router is the bottleneck; they count the
requests they receive (``GET /count``) so the bench can print subgraph requests per client request.
"""

from __future__ import annotations

from typing import Any

import orjson

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


class MemoApp:
    """An ASGI app answering ``POST /<subgraph>/`` from a cache keyed by (subgraph, body).

    A miss runs the subgraph (graphql-core) once; every later identical request is a dict lookup, so
    the subgraph process stays far cheaper than the router it feeds. ``GET /count`` answers the number
    of GraphQL requests received; ``POST /count/reset`` zeroes it.
    """

    def __init__(self, subgraphs: list[FakeSubgraph]) -> None:
        self.subgraphs = {f"/{g.name}/": g for g in subgraphs}
        self.cache: dict[tuple[str, bytes], bytes] = {}
        self.count = 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.startswith("/count"):
            if scope["method"] == "POST":
                self.count = 0
            await _respond(send, 200, orjson.dumps({"count": self.count}))
            return
        graph = self.subgraphs.get(path)
        if graph is None:
            await _respond(send, 404, b'{"error":"no such subgraph"}')
            return
        chunks = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        self.count += 1
        answer = self.cache.get((path, body))
        if answer is None:
            request = orjson.loads(body)
            result = await graph.execute(request["query"], request.get("variables"), request.get("operationName"))
            answer = orjson.dumps(result)
            if "errors" not in result:
                self.cache[(path, body)] = answer
        await _respond(send, 200, answer)


async def _respond(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def serve(port: int) -> None:
    import uvicorn

    subgraphs = graphs()
    for graph in subgraphs:
        graph.record_requests = False
    uvicorn.run(
        MemoApp(subgraphs),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
