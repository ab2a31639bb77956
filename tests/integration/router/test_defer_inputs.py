"""A deferred part on an entity starts as soon as the primary fetch yielding its inputs is merged.

Three real subgraphs: ``users`` answers ``me`` (with the hidden key the deferred part starts from),
``reviews`` the deferred ``reviews`` by ``_entities``, and ``reports`` a ``report`` field of the
primary part that is unrelated to the fragment and held back by a gate the test opens. The
deferred part's ``_entities`` fetch must reach ``reviews`` while ``report`` is still held (an
ordering check: the test opens the gate only after it has seen that fetch, or after giving up), and
the client still gets the primary part first.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph, keyed
from tests.integration.realtime.clients import multipart_parts, sse_events
from tests.integration.router.support import LINK, compose, running_router
from tests.support.servers import serve_app

pytestmark = pytest.mark.router

USERS = [{"id": "u1", "name": "Ada"}]
REVIEWS = [{"id": "u1", "reviews": ["great", "fine"]}]
QUERY = '{ report me { id ... @defer(label: "later") { reviews } } }'
SSE = "text/event-stream"
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"
BOUND = 20.0  # seconds: how long the test waits for the deferred fetch before it gives up (and fails)


class Gate:
    """Holds ``report`` until the test opens it; then answers it, or fails it when told to."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.fail = False

    async def report(self, _parent: Any) -> str:
        await asyncio.to_thread(self.opened.wait, BOUND * 2)
        if self.fail:
            raise ValueError("report failed")
        return "done"


def subgraphs(gate: Gate) -> dict[str, FakeSubgraph]:
    users = FakeSubgraph(
        name="users",
        sdl=LINK.format(imports='"@key"')
        + 'type Query { me: User }\ntype User @key(fields: "id") { id: ID! name: String! }\n',
        root={"me": USERS[0]},
        entities={"User": keyed(USERS, "id")},
    )
    reviews = FakeSubgraph(
        name="reviews",
        sdl=LINK.format(imports='"@key"') + 'type User @key(fields: "id") { id: ID! reviews: [String!]! }\n',
        entities={"User": keyed(REVIEWS, "id")},
    )
    reports = FakeSubgraph(
        name="reports",
        sdl=LINK.format(imports='"@key"') + "type Query { report: String! }\n",
        resolvers={"Query.report": gate.report},
    )
    return {g.name: g for g in (users, reviews, reports)}


@pytest.fixture(scope="module")
def gate() -> Gate:
    return Gate()


@pytest.fixture(scope="module")
def deployment(gate: Gate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, FakeSubgraph]]]:
    graphs = subgraphs(gate)
    with (
        serve_app(graphs["users"].asgi_app()) as users,
        serve_app(graphs["reviews"].asgi_app()) as reviews,
        serve_app(graphs["reports"].asgi_app()) as reports,
    ):
        graphs["users"].url, graphs["reviews"].url, graphs["reports"].url = users, reviews, reports
        path = tmp_path_factory.mktemp("defer-inputs") / "supergraph.graphql"
        path.write_text(compose(graphs))
        with running_router(path, {"supergraph": {"defer_support": True}}) as url:
            yield url, graphs


@pytest.fixture
def held(gate: Gate, deployment: tuple[str, dict[str, FakeSubgraph]]) -> Iterator[Gate]:
    """The gate closed, and opened again when the test ends (whatever happened)."""
    gate.opened.clear()
    gate.fail = False
    for graph in deployment[1].values():
        graph.requests.clear()
    try:
        yield gate
    finally:
        gate.opened.set()


def _within(bound: float, condition: Callable[[], bool]) -> bool:
    """Whether ``condition`` holds within ``bound`` seconds (polled; a bound on the wait, not a timing check)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _stream(url: str, accept: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{url}/graphql", json={"query": QUERY}, headers={"Accept": accept}, timeout=BOUND * 3)
    assert response.status_code == 200, response.text
    body = _Body(response.content)
    if accept == SSE:
        return [json.loads(data) for kind, data in sse_events(body) if kind == "next"]
    return [p for p in multipart_parts(body, boundary="-") if p is not None]


def _send_and_release(url: str, accept: str, gate: Gate, reviews: FakeSubgraph) -> tuple[bool, list[dict[str, Any]]]:
    """Sends the query, waits (bounded) for the deferred fetch at ``reviews``, then opens the gate."""
    with ThreadPoolExecutor(1) as pool:
        sent = pool.submit(_stream, url, accept)
        arrived = _within(BOUND, lambda: bool(reviews.entity_calls()))
        gate.opened.set()
        return arrived, sent.result(timeout=BOUND * 3)


@pytest.mark.parametrize("accept", [SSE, MULTIPART])
def test_the_deferred_fetch_starts_while_an_unrelated_primary_fetch_is_still_out(
    deployment: tuple[str, dict[str, FakeSubgraph]], held: Gate, accept: str
) -> None:
    url, graphs = deployment
    arrived, parts = _send_and_release(url, accept, held, graphs["reviews"])
    assert arrived, "the deferred part's _entities fetch did not start before the slow primary fetch was answered"
    assert graphs["reviews"].entity_calls() == [[{"__typename": "User", "id": "u1"}]]
    first, *rest = parts
    assert first["data"] == {"report": "done", "me": {"id": "u1"}}  # first, and without the hidden key
    assert first["hasNext"] is True
    assert rest[-1]["hasNext"] is False
    items = [item for part in rest for item in part["incremental"]]
    assert [item["data"] for item in items] == [{"reviews": ["great", "fine"]}]
    if accept == SSE:
        assert first["pending"] == [{"id": "0", "path": ["me"], "label": "later"}]
        assert rest[-1]["completed"] == [{"id": "0"}]
    else:
        assert items[0]["path"] == ["me"]


def test_a_part_started_early_is_not_delivered_where_the_primary_part_ended_up_null(
    deployment: tuple[str, dict[str, FakeSubgraph]], held: Gate
) -> None:
    """``report`` fails and, non-null at the root, nulls the whole primary part after the deferred
    part already fetched ``me``'s reviews: no incremental item may point into the null."""
    url, graphs = deployment
    held.fail = True
    arrived, parts = _send_and_release(url, MULTIPART, held, graphs["reviews"])
    assert arrived
    first, *rest = parts
    assert first["data"] is None
    assert first["errors"]
    assert all(not part.get("incremental") for part in rest)
    assert rest[-1]["hasNext"] is False


class _Body:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def iter_raw(self) -> list[bytes]:
        return [self.content]

    def iter_lines(self) -> list[str]:
        return self.content.decode().split("\n")
