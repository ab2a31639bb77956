"""Progressive override through the router server: a query and a subscription's events both plan with the
``percent(x)`` labels drawn for them. Here ``Product.name`` moves from the products subgraph to a "names"
subgraph under ``percent(100)``, so every answer carries the new subgraph's name; with the label at
``percent(0)`` every answer keeps the old one. (How draws split at other percentages is checked in
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
