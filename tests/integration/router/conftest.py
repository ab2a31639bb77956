"""Session-wide test subgraphs (real HTTP) and their composed supergraph, for the router server tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import accounts, compose, products
from tests.support.servers import serve_app


@pytest.fixture(scope="session")
def subgraphs() -> Iterator[dict[str, FakeSubgraph]]:
    graphs = {"accounts": accounts(), "products": products()}
    with serve_app(graphs["accounts"].asgi_app()) as a, serve_app(graphs["products"].asgi_app()) as p:
        graphs["accounts"].url = a
        graphs["products"].url = p
        yield graphs


@pytest.fixture(autouse=True)
def _reset(subgraphs: dict[str, FakeSubgraph]) -> None:
    for graph in subgraphs.values():
        graph.requests.clear()
        graph.fail_status = None
        graph.delay_seconds = 0.0
        graph.hold = None


@pytest.fixture(scope="session")
def supergraph_sdl(subgraphs: dict[str, FakeSubgraph]) -> str:
    return compose(subgraphs)


@pytest.fixture
def supergraph_file(tmp_path: Path, supergraph_sdl: str) -> Path:
    path = tmp_path / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    return path
