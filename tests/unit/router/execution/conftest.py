"""Three small subgraphs (products, reviews, accounts) served over real HTTP for executor tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from graphql import GraphQLSchema, build_schema

from router.execution.entities import TypeRelations
from router.execution.executor import Executor
from router.execution.fetcher import Fetcher, SubgraphEndpoint
from tests.federation.support.subgraph import FakeSubgraph, keyed
from tests.support.servers import serve_app

PRODUCTS = [
    {"upc": "1", "name": "Table", "price": 899, "weight": 100},
    {"upc": "2", "name": "Couch", "price": 1299, "weight": 1000},
    {"upc": "3", "name": "Chair", "price": 54, "weight": 50},
]
REVIEWS = {
    "1": [{"id": "r1", "body": "Love it!", "author": {"__typename": "User", "id": "u1"}}],
    "2": [
        {"id": "r2", "body": "Too expensive.", "author": {"__typename": "User", "id": "u2"}},
        {"id": "r3", "body": "Could be better.", "author": {"__typename": "User", "id": "u1"}},
    ],
    "3": [{"id": "r4", "body": "Prefer something else.", "author": {"__typename": "User", "id": None}}],
}
USERS = [{"id": "u1", "username": "@ada"}, {"id": "u2", "username": "@complete"}]

API_SDL = """
type Query { topProducts(first: Int = 5): [Product] me: User }
type Product { upc: String! name: String price: Int weight: Int reviews: [Review] shippingEstimate: Int }
type Review { id: ID! body: String author: User }
type User { id: ID! username: String! }
"""


def _products() -> FakeSubgraph:
    return FakeSubgraph(
        name="products",
        sdl="""
        type Query { topProducts(first: Int = 5): [Product] }
        type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
        """,
        resolvers={"Query.topProducts": lambda _parent, first: PRODUCTS[:first]},
        entities={"Product": keyed(PRODUCTS, "upc")},
    )


def _reviews() -> FakeSubgraph:
    def reviews_of(product: dict[str, object]) -> object:
        upc = product["upc"]
        if upc == "boom":
            raise ValueError("reviews exploded")
        return REVIEWS.get(str(upc), [])

    return FakeSubgraph(
        name="reviews",
        sdl="""
        type Product @key(fields: "upc") { upc: String! reviews: [Review] }
        type Review { id: ID! body: String author: User }
        type User @key(fields: "id", resolvable: false) { id: ID }
        """,
        resolvers={"Product.reviews": reviews_of},
        entities={"Product": lambda rep: {"upc": rep["upc"]}},
    )


def _accounts() -> FakeSubgraph:
    return FakeSubgraph(
        name="accounts",
        sdl="""
        type Query { me: User }
        type User @key(fields: "id") { id: ID! username: String! }
        """,
        root={"me": USERS[0]},
        entities={"User": keyed(USERS, "id")},
    )


def _inventory() -> FakeSubgraph:
    def estimate(product: dict[str, int]) -> int:
        return 0 if product["price"] > 1000 else product["weight"] // 2

    return FakeSubgraph(
        name="inventory",
        sdl="""
        type Product @key(fields: "upc") {
          upc: String! price: Int @external weight: Int @external
          shippingEstimate: Int @requires(fields: "price weight")
        }
        """,
        resolvers={"Product.shippingEstimate": estimate},
        entities={"Product": lambda rep: dict(rep)},
    )


@pytest.fixture(scope="session")
def subgraphs() -> Iterator[dict[str, FakeSubgraph]]:
    graphs = {g.name: g for g in (_products(), _reviews(), _accounts(), _inventory())}
    with (
        serve_app(graphs["products"].asgi_app()) as p,
        serve_app(graphs["reviews"].asgi_app()) as r,
        serve_app(graphs["accounts"].asgi_app()) as a,
        serve_app(graphs["inventory"].asgi_app()) as i,
    ):
        for graph, url in zip(graphs.values(), (p, r, a, i), strict=True):
            graph.url = url
        yield graphs


@pytest.fixture(autouse=True)
def _reset(subgraphs: dict[str, FakeSubgraph]) -> None:
    for graph in subgraphs.values():
        graph.requests.clear()
        graph.fail_status = None
        graph.delay_seconds = 0.0


@pytest.fixture(scope="session")
def api_schema() -> GraphQLSchema:
    return build_schema(API_SDL)


@pytest.fixture
async def executor(subgraphs: dict[str, FakeSubgraph], api_schema: GraphQLSchema) -> AsyncIterator[Executor]:
    endpoints = {name: SubgraphEndpoint(name, graph.url, timeout_seconds=0.5) for name, graph in subgraphs.items()}
    fetcher = Fetcher(endpoints)
    yield Executor(fetcher, TypeRelations(api_schema), lambda service, typename: {"upc", "id"})
    await fetcher.aclose()
