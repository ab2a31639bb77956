"""GraphiQL in headless Chromium: it loads with no network, runs a query and explores the schema.

The router serves GraphiQL's assets itself (built from the npm registry into
``router/server/assets/dist``); every request the page makes to anything but the router is
aborted and recorded, so the test fails if the page needs the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from router.server.graphiql import ASSETS_DIR, BUNDLES
from tests.integration.router.support import accounts, compose, products, running_router
from tests.support.browser import OfflinePage, offline_page
from tests.support.servers import serve_app as serve_fake

pytestmark = [pytest.mark.router, pytest.mark.e2e, pytest.mark.browser]


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
def page(router_url: str) -> Iterator[OfflinePage]:
    assert all((ASSETS_DIR / name).is_file() for name in BUNDLES), "GraphiQL assets not built: run `make assets`"
    with offline_page() as page:
        yield page


def test_graphiql_runs_a_query_and_explores_the_schema(router_url: str, page: OfflinePage) -> None:
    tab = page.page
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

    assert page.blocked == []
    assert page.errors == []
