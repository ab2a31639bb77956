"""In-flight deduplication, counted on real subgraph servers: identical queries share one execution
(inbound) or one subgraph request (outbound); two users', different variables' and mutations never do."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import astuple, dataclass, replace
from typing import Any

import httpx
import pytest

from router.server.app import RouterOptions
from router.server.auth import RouterAuthenticator
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import (
    PRODUCTS_WITH_SELLERS,
    PRODUCTS_WITH_SELLERS_ANSWER,
    metric_value,
    post_held,
    running_router,
)
from tests.support.tokens import TestTokens

pytestmark = pytest.mark.router

TOKENS = TestTokens()
QUERY = PRODUCTS_WITH_SELLERS
EXPECTED = PRODUCTS_WITH_SELLERS_ANSWER
CONFIGS: dict[str, dict[str, Any]] = {
    "both": {},
    "outbound only": {"traffic_shaping": {"router": {"deduplicate_requests": False}}},
    "none": {
        "traffic_shaping": {"router": {"deduplicate_requests": False}, "all": {"deduplicate_query": False}},
    },
}


@pytest.fixture(scope="module")
def routers(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[dict[str, str]]:
    path = tmp_path_factory.mktemp("dedup") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    options = RouterOptions(authenticator=RouterAuthenticator.with_verifiers([TOKENS.verifier()]))
    with (
        running_router(path, CONFIGS["both"], options) as both,
        running_router(path, CONFIGS["outbound only"], options) as outbound,
        running_router(path, CONFIGS["none"], options) as none,
    ):
        yield {"both": both, "outbound only": outbound, "none": none}


@pytest.fixture
def slow(subgraphs: dict[str, FakeSubgraph]) -> dict[str, FakeSubgraph]:
    """Subgraphs that hold every request until :func:`send` releases them, then answer after a delay, so
    the fetches of a later round (made once the held answers come back) overlap in flight too."""
    hold = threading.Event()
    for graph in subgraphs.values():
        graph.hold = hold
        graph.delay_seconds = 0.5
    return subgraphs


@dataclass(frozen=True)
class Arrived:
    """What shows that every request sent is inside the router: operations that joined an identical one
    (inbound), products fetches that joined one (outbound), requests the products subgraph holds."""

    joined: int = 0
    shared_fetches: int = 0
    products_requests: int = 0


async def _counts(client: httpx.AsyncClient, url: str, products: FakeSubgraph) -> Arrived:
    text = (await client.get(f"{url}/metrics")).text
    return Arrived(
        int(metric_value(text, "router_operations_deduplicated_total")),
        int(metric_value(text, "router_subgraph_requests_deduplicated_total", 'subgraph="products"')),
        len(products.requests),
    )


async def _arrival(client: httpx.AsyncClient, url: str, products: FakeSubgraph, before: Arrived) -> Arrived:
    now = await _counts(client, url, products)
    return Arrived(*(n - b for n, b in zip(astuple(now), astuple(before), strict=True)))


async def _send_held(
    url: str, requests: list[tuple[dict[str, str], dict[str, Any]]], slow: dict[str, FakeSubgraph], until: Arrived
) -> tuple[list[httpx.Response], Arrived]:
    products = slow["products"]
    hold = products.hold
    assert hold is not None, "send needs the slow fixture"
    async with httpx.AsyncClient(timeout=30) as client:
        before = seen = await _counts(client, url, products)

        async def ready() -> bool:
            nonlocal seen
            seen = await _arrival(client, url, products, before)
            return all(s >= u for s, u in zip(astuple(seen), astuple(until), strict=True))

        # Released once every request is in the router (or after 20 s, however slowly the machine runs).
        responses, reached = await post_held(client, url, requests, hold, ready)
        counted = await _arrival(client, url, products, before)
    assert reached, f"the router never had all {len(requests)} requests in flight: {seen}, wanted {until}"
    return responses, counted


def send(
    url: str, requests: list[tuple[dict[str, str], dict[str, Any]]], slow: dict[str, FakeSubgraph], until: Arrived
) -> tuple[list[httpx.Response], Arrived]:
    """Send ``requests`` at once; the subgraphs answer only once ``until`` shows all of them in the
    router, so the test does not depend on how fast the machine delivers them. Returns the responses,
    and what the router's metrics and the products subgraph counted once all were answered."""
    return asyncio.run(_send_held(url, requests, slow, until))


def test_identical_queries_share_one_execution(routers: dict[str, str], slow: dict[str, FakeSubgraph]) -> None:
    headers = TOKENS.headers("u1")
    responses, counted = send(routers["both"], [(headers, {"query": QUERY})] * 8, slow, Arrived(joined=7))
    assert [r.json() for r in responses] == [EXPECTED] * 8
    assert len({r.headers["x-request-id"] for r in responses}) == 8  # eight requests, each answered as its own
    assert counted == Arrived(joined=7, products_requests=1)
    assert len(slow["accounts"].requests) == 1


def test_outbound_alone_shares_subgraph_requests(routers: dict[str, str], slow: dict[str, FakeSubgraph]) -> None:
    headers = TOKENS.headers("u1")
    until = Arrived(shared_fetches=7)
    responses, counted = send(routers["outbound only"], [(headers, {"query": QUERY})] * 8, slow, until)
    assert [r.json() for r in responses] == [EXPECTED] * 8
    assert counted == Arrived(shared_fetches=7, products_requests=1)
    assert len(slow["accounts"].requests) == 1


def test_without_deduplication_every_request_reaches_the_subgraphs(
    routers: dict[str, str], slow: dict[str, FakeSubgraph]
) -> None:
    headers = TOKENS.headers("u1")
    responses, counted = send(routers["none"], [(headers, {"query": QUERY})] * 8, slow, Arrived(products_requests=8))
    assert [r.json() for r in responses] == [EXPECTED] * 8
    assert counted == Arrived(products_requests=8)
    assert len(slow["accounts"].requests) == 8


@pytest.mark.parametrize("config", ["both", "outbound only"])
def test_two_users_are_never_merged(routers: dict[str, str], slow: dict[str, FakeSubgraph], config: str) -> None:
    ada, bob = TOKENS.headers("u1"), TOKENS.headers("u2")
    # Each user's four identical requests merge: three join, inbound ("both") or at the products fetch.
    until = Arrived(joined=6) if config == "both" else Arrived(shared_fetches=6)
    responses, counted = send(routers[config], [(ada, {"query": QUERY}), (bob, {"query": QUERY})] * 4, slow, until)
    assert [r.json() for r in responses] == [EXPECTED] * 8
    assert counted == replace(until, products_requests=2)
    for graph in ("products", "accounts"):
        seen = sorted(r["headers"]["authorization"] for r in slow[graph].requests)
        # One request per user at most (their own identical ones merge), each with that user's token.
        assert seen == sorted([ada["Authorization"], bob["Authorization"]])


def test_anonymous_and_authenticated_callers_are_not_merged(
    routers: dict[str, str], slow: dict[str, FakeSubgraph]
) -> None:
    ada = TOKENS.headers("u1")
    _, counted = send(routers["both"], [(ada, {"query": QUERY}), ({}, {"query": QUERY})] * 3, slow, Arrived(joined=4))
    assert counted == Arrived(joined=4, products_requests=2)
    assert sorted(r["headers"].get("authorization", "") for r in slow["products"].requests) == [
        "",
        ada["Authorization"],
    ]


def test_different_variables_are_not_merged(routers: dict[str, str], slow: dict[str, FakeSubgraph]) -> None:
    query = "query One($id: ID!) { product(id: $id) { name } }"
    headers = TOKENS.headers("u1")
    bodies = [{"query": query, "variables": {"id": "p1"}}, {"query": query, "variables": {"id": "p2"}}] * 3
    responses, counted = send(routers["both"], [(headers, body) for body in bodies], slow, Arrived(joined=4))
    assert counted == Arrived(joined=4, products_requests=2)
    assert [r.json()["data"]["product"]["name"] for r in responses] == ["Table", "Couch"] * 3
    assert sorted(r["variables"]["id"] for r in slow["products"].requests) == ["p1", "p2"]


def test_mutations_are_never_merged(routers: dict[str, str], slow: dict[str, FakeSubgraph]) -> None:
    mutation = 'mutation { addProduct(name: "Lamp") { id name } }'
    headers = TOKENS.headers("u1")
    # All four reach the subgraph while it holds them: in flight together, and still not merged.
    until = Arrived(products_requests=4)
    responses, counted = send(routers["both"], [(headers, {"query": mutation})] * 4, slow, until)
    assert [r.json() for r in responses] == [{"data": {"addProduct": {"id": "p9", "name": "Lamp"}}}] * 4
    assert counted == until
