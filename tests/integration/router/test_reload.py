"""Hot reload: a changed supergraph is swapped in, a bad one is refused, in-flight requests finish."""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from router.server.app import RouterOptions, create_router_app
from router.server.config import RouterConfig
from router.server.reload import FileSource
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import PRODUCTS, PRODUCTS_SDL, compose, metric_value
from tests.support.servers import serve_app
from tests.support.servers import serve_app as serve_fake

pytestmark = pytest.mark.router


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


@pytest.fixture
def products_v2() -> Iterator[FakeSubgraph]:
    sdl = PRODUCTS_SDL.replace("price: Int!", "price: Int!\n  stock: Int")
    graph = FakeSubgraph(name="products", sdl=sdl, root={"products": [{**p, "stock": 7} for p in PRODUCTS]})
    with serve_fake(graph.asgi_app()) as url:
        graph.url = url
        yield graph


def query(url: str, text: str) -> dict[str, object]:
    return httpx.post(f"{url}/graphql", json={"query": text}, timeout=30).json()  # type: ignore[no-any-return]


def reloads(url: str, result: str) -> float:
    return metric_value(httpx.get(f"{url}/metrics").text, "router_schema_reloads_total", f'result="{result}"')


def test_a_changed_supergraph_file_is_swapped_in(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph], products_v2: FakeSubgraph
) -> None:
    app = create_router_app(FileSource(supergraph_file), RouterConfig(), RouterOptions(reload_interval=0.1))
    with serve_app(app) as url:
        before = query(url, "{ products { stock } }")
        assert before["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"  # type: ignore[index]
        supergraph_file.write_text(compose({"accounts": subgraphs["accounts"], "products": products_v2}))
        wait_for(lambda: "errors" not in query(url, "{ products { stock } }"))
        assert query(url, "{ products { id stock } }") == {
            "data": {"products": [{"id": "p1", "stock": 7}, {"id": "p2", "stock": 7}]}
        }
        assert reloads(url, "success") == 1


def test_a_bad_supergraph_keeps_the_running_one(supergraph_file: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="router.server.reload")
    app = create_router_app(FileSource(supergraph_file), RouterConfig(), RouterOptions(reload_interval=0.1))
    with serve_app(app) as url:
        supergraph_file.write_text("type Query { broken")
        wait_for(lambda: reloads(url, "failed") == 1)
        assert query(url, "{ users { id } }") == {"data": {"users": [{"id": "u1"}, {"id": "u2"}]}}
        time.sleep(0.3)  # several more polls of the same bad text: reported once
        assert reloads(url, "failed") == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "router.server.reload"]
    assert any("is invalid, keeping the current one" in m for m in messages)


def test_in_flight_requests_finish_on_the_old_supergraph(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph], products_v2: FakeSubgraph
) -> None:
    app = create_router_app(FileSource(supergraph_file), RouterConfig(), RouterOptions(reload_interval=0.1))
    with serve_app(app) as url, concurrent.futures.ThreadPoolExecutor(1) as pool:
        old = app.state.holder.current
        held = subgraphs["products"].hold = threading.Event()  # answered only once the reload is seen
        slow = pool.submit(query, url, "{ products { id seller { name } } }")
        wait_for(lambda: old.in_flight == 1)
        supergraph_file.write_text(compose({"accounts": subgraphs["accounts"], "products": products_v2}))
        wait_for(lambda: app.state.holder.current is not old)
        assert old.in_flight == 1  # still running on the old engine, which is not closed yet
        assert old.engine.fetcher.connected
        held.set()
        result = slow.result(timeout=30)
        assert result == {
            "data": {"products": [{"id": "p1", "seller": {"name": "Ada"}}, {"id": "p2", "seller": {"name": "Bob"}}]}
        }
        wait_for(lambda: not old.engine.fetcher.connected)  # closed once drained
        assert query(url, "{ products { stock } }") == {"data": {"products": [{"stock": 7}, {"stock": 7}]}}


def test_a_schema_that_breaks_a_rest_declaration_is_refused(
    tmp_path: Path, supergraph_file: Path, subgraphs: dict[str, FakeSubgraph], products_v2: FakeSubgraph
) -> None:
    declarations = tmp_path / "rest"
    declarations.mkdir()
    (declarations / "stock.graphql").write_text(
        'query Stock @rest(method: GET, path: "/stock") { products { id stock } }\n'
    )
    without_stock = supergraph_file.read_text()
    supergraph_file.write_text(compose({"accounts": subgraphs["accounts"], "products": products_v2}))
    options = RouterOptions(reload_interval=0.1, rest_declarations=declarations)
    app = create_router_app(FileSource(supergraph_file), RouterConfig(), options)
    with serve_app(app) as url:
        expected = [{"id": "p1", "stock": 7}, {"id": "p2", "stock": 7}]
        assert httpx.get(f"{url}/stock").json() == expected
        supergraph_file.write_text(without_stock)  # valid GraphQL, but /stock's operation no longer is
        wait_for(lambda: reloads(url, "failed") == 1)
        assert httpx.get(f"{url}/stock").json() == expected
        assert "errors" not in query(url, "{ products { stock } }")
