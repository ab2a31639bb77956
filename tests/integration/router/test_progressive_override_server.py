"""Progressive override through the router server: a query, a subscription's events and every part of a
``@defer`` operation plan with the ``percent(x)`` labels drawn for them. Here ``Product.name`` moves from
the products subgraph to a "names" subgraph under ``percent(100)``, so every answer carries the new
subgraph's name; with the label at ``percent(0)`` every answer keeps the old one; at ``percent(50)`` the
parts of one ``@defer`` operation agree. (How draws split at other percentages is checked in
``tests/federation/test_progressive_override.py``.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.compose import SubgraphInput
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.realtime.clients import Background
from tests.integration.router.support import TICKS_SDL, compose, running_router, ticking_subgraph
from tests.support.servers import serve_app

pytestmark = pytest.mark.router

NAMES_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@override"])
type Product @key(fields: "id") {
  id: ID!
  name: String! @override(from: "products", label: "LABEL")
}
"""


@pytest.fixture
def names() -> Iterator[FakeSubgraph]:
    graph = FakeSubgraph(
        "names", NAMES_SDL, resolvers={"Product.name": lambda p: f"new name of {p['id']}"}, entities={"Product": dict}
    )
    with serve_app(graph.asgi_app()) as url:
        graph.url = url
        yield graph


def _router_events(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph], names: FakeSubgraph, label: str
) -> tuple[dict[str, object], tuple[str, object]]:
    """A query's answer and a subscription's first event, with ``Product.name`` overridden under ``label``."""
    with serve_app(ticking_subgraph()) as ticks_url:
        sdl = compose(
            subgraphs,
            SubgraphInput(name="names", url=names.url, sdl=NAMES_SDL.replace("LABEL", label)),
            SubgraphInput(name="ticks", url=ticks_url + "/", sdl=TICKS_SDL),
        )
        path = tmp_path / "supergraph.graphql"
        path.write_text(sdl)
        with running_router(path) as url:
            answer = httpx.post(f"{url}/graphql", json={"query": '{ product(id: "p1") { id name } }'}).json()
            body = {"query": "subscription { ticked { id name } }"}
            stream = Background(f"{url}/graphql", body, {"accept": "text/event-stream"}, "sse")
            try:
                event = stream.next()
            finally:
                stream.close()
    return answer, event


def test_percent_100_moves_the_field_for_queries_and_subscription_events(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph], names: FakeSubgraph
) -> None:
    answer, event = _router_events(tmp_path, subgraphs, names, "percent(100)")
    assert answer == {"data": {"product": {"id": "p1", "name": "new name of p1"}}}
    assert event == ("next", {"data": {"ticked": {"id": "p1", "name": "new name of p1"}}})
    assert len(names.requests) == 2  # one entity fetch for the query, one for the event


def test_percent_0_leaves_the_field_where_it_was(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph], names: FakeSubgraph
) -> None:
    answer, event = _router_events(tmp_path, subgraphs, names, "percent(0)")
    assert answer == {"data": {"product": {"id": "p1", "name": "Table"}}}
    assert event == ("next", {"data": {"ticked": {"id": "p1", "name": "Table"}}})
    assert names.requests == []


def _deferred_names(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph], names: FakeSubgraph, label: str, runs: int
) -> list[tuple[str, str]]:
    """(primary part's name, deferred part's name) of ``runs`` @defer queries over SSE, the deferred part on
    the entity (it starts from the primary part's key), ``Product.name`` overridden under ``label``."""
    sdl = compose(subgraphs, SubgraphInput(name="names", url=names.url, sdl=NAMES_SDL.replace("LABEL", label)))
    path = tmp_path / "supergraph.graphql"
    path.write_text(sdl)
    query = '{ product(id: "p1") { id name ... @defer { later: name } } }'
    pairs = []
    with running_router(path, {"supergraph": {"defer_support": True}}) as url:
        for _ in range(runs):
            stream = Background(f"{url}/graphql", {"query": query}, {"accept": "text/event-stream"}, "sse")
            try:
                primary, deferred = stream.next(), stream.next()
            finally:
                stream.close()
            assert primary[0] == deferred[0] == "next", (primary, deferred)
            [part] = deferred[1]["incremental"]
            pairs.append((primary[1]["data"]["product"]["name"], part["data"]["later"]))
    return pairs


def test_a_deferred_part_on_an_entity_plans_with_the_operations_labels(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph], names: FakeSubgraph
) -> None:
    assert _deferred_names(tmp_path, subgraphs, names, "percent(100)", 1) == [("new name of p1", "new name of p1")]


def test_every_part_of_a_deferred_operation_shares_one_draw(
    tmp_path: Path, subgraphs: dict[str, FakeSubgraph], names: FakeSubgraph
) -> None:
    """At ``percent(50)`` each operation draws once: its primary part and its deferred part take ``name`` from
    the same subgraph, whichever it is (both occur over 24 operations, but for a chance of 2 in 16 million).
    Drawn per part, about half the operations would mix the two."""
    pairs = _deferred_names(tmp_path, subgraphs, names, "percent(50)", 24)
    print(f"(primary, deferred) names: {pairs}")
    assert all(primary == deferred for primary, deferred in pairs)
    assert {primary for primary, _ in pairs} == {"Table", "new name of p1"}
