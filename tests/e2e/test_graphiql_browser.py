"""GraphiQL in headless Chromium: it loads with no network, runs a query and explores the schema.

The router serves GraphiQL's assets itself (built from the npm registry into
``router/server/assets/dist``); every request the page makes to anything but the router is
aborted and recorded, so the test fails if the page needs the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, Route, sync_playwright

from router.server.graphiql import ASSETS_DIR, BUNDLES
from tests.integration.router.support import accounts, compose, products, running_router
from tests.support.servers import serve_app as serve_fake

pytestmark = [pytest.mark.router, pytest.mark.e2e]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    graphs = {"accounts": accounts(), "products": products()}
    with serve_fake(graphs["accounts"].asgi_app()) as a, serve_fake(graphs["products"].asgi_app()) as p:
        graphs["accounts"].url = a
        graphs["products"].url = p
        path = Path(tmp_path_factory.mktemp("graphiql")) / "supergraph.graphql"
        path.write_text(compose(graphs))
        with running_router(path) as url:
            yield url


@pytest.fixture
def page(router_url: str) -> Iterator[tuple[Page, list[str]]]:
    assert all((ASSETS_DIR / name).is_file() for name in BUNDLES), "GraphiQL assets not built: run `make node-deps`"
    blocked: list[str] = []

    def offline(route: Route) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context()
            context.route("**/*", offline)
            yield context.new_page(), blocked
        finally:
            browser.close()


def test_graphiql_runs_a_query_and_explores_the_schema(router_url: str, page: tuple[Page, list[str]]) -> None:
    tab, blocked = page
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{router_url}/graphql")
    tab.wait_for_selector(".graphiql-container", timeout=30_000)
    editor = tab.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
    assert editor is not None
    tab.evaluate(
        """query => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query)""",
        "query Sellers { products { name seller { name } } }",
    )
    tab.click(".graphiql-execute-button")
    tab.wait_for_function(
        """() => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '')
              .includes('Couch')""",
        timeout=30_000,
    )
    result = tab.evaluate("() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()")
    assert '"name": "Ada"' in result
    assert '"name": "Bob"' in result

    tab.click('[aria-label="Show Documentation Explorer"]')
    explorer = tab.wait_for_selector(".graphiql-doc-explorer", timeout=30_000)
    assert explorer is not None
    tab.click(".graphiql-doc-explorer a.graphiql-doc-explorer-type-name:has-text('Query')")
    tab.wait_for_selector(".graphiql-doc-explorer-title:has-text('Query')", timeout=30_000)
    fields = tab.inner_text(".graphiql-doc-explorer")
    assert "products" in fields
    assert "users" in fields

    assert blocked == []
    assert errors == []
