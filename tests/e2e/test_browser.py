"""The two pages a newcomer opens first, in headless Chromium, on the platform `marketplace up` starts.

``/docs`` (Swagger UI 5 over the router's OpenAPI 3.1 document) must render every declared REST
route and run ``GET /products`` with "Try it out" against the router itself; GraphiQL must run a
query and show the data. The router serves both pages' assets: every request to another host is
aborted and recorded, and the tests fail if there was any.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from graphql import build_client_schema, get_introspection_query

from router.rest import DEFAULT_DIRECTORY, load_declarations
from router.rest.docs import ASSETS_DIR as SWAGGER_ASSETS
from router.rest.docs import BUNDLES as SWAGGER_BUNDLES
from tests.integration.rest.real_stack import embedded_redis
from tests.support.browser import OfflinePage, offline_page
from tests.support.stack import running_platform

pytestmark = [pytest.mark.router, pytest.mark.e2e, pytest.mark.browser, pytest.mark.integration]

PASSWORD = "correct horse battery staple"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory, private_database_url: str) -> Iterator[str]:
    data_dir = Path(tmp_path_factory.mktemp("browser-platform"))
    with (
        embedded_redis(data_dir / "redis") as broker_url,
        running_platform(data_dir, database_url=private_database_url, broker_url=broker_url) as stack,
    ):
        yield stack.url("router")


@pytest.fixture(scope="module")
def product_name(router: str) -> str:
    """One product on sale (through the REST routes), so the pages have data to show."""
    name = f"Browser desk {uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=router, timeout=30) as client:
        email = f"seller-{uuid.uuid4().hex[:8]}@example.com"
        user = client.post("/users", json={"email": email, "name": "Seller", "password": PASSWORD})
        assert user.status_code == 201, user.text
        auth = client.post(f"/users/{user.json()['id']}/auth", json={"password": PASSWORD})
        assert auth.status_code == 200, auth.text
        product = client.post(
            "/products",
            json={
                "name": name,
                "description": "Solid walnut",
                "price": {"amount": 45000, "currency": "EUR"},
                "stock": 3,
                "category": "furniture",
            },
            headers={"Authorization": f"Bearer {auth.json()['accessToken']}"},
        )
        assert product.status_code == 201, product.text
    return name


@pytest.fixture
def page() -> Iterator[OfflinePage]:
    with offline_page() as page:
        yield page


def declared_routes(router: str) -> set[tuple[str, str]]:
    """(method, path) of every declaration in router/rest/operations, checked against the live API schema."""
    introspection = httpx.post(f"{router}/graphql", json={"query": get_introspection_query()}, timeout=30)
    assert introspection.status_code == 200, introspection.text
    schema = build_client_schema(introspection.json()["data"])
    return {(d.spec.method, d.spec.path) for d in load_declarations(DEFAULT_DIRECTORY, schema)}


def test_docs_render_every_route_and_try_it_out_lists_products(
    router: str, product_name: str, page: OfflinePage
) -> None:
    assert all((SWAGGER_ASSETS / name).is_file() for name in SWAGGER_BUNDLES), "assets not built: run `make assets`"
    expected = declared_routes(router)
    assert ("GET", "/products") in expected
    tab = page.page
    tab.goto(f"{router}/docs")
    tab.wait_for_selector(".opblock", timeout=TIMEOUT_MS)
    assert "Unable to render" not in tab.inner_text("body")
    shown = tab.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(b => [
             b.querySelector('.opblock-summary-method').textContent.trim(),
             b.querySelector('.opblock-summary-path').getAttribute('data-path'),
           ])""",
    )
    assert {(method, path) for method, path in shown} == expected
    assert len(shown) == len(expected)  # each route once

    listing = tab.locator(".opblock-get").filter(has=tab.locator('.opblock-summary-path[data-path="/products"]'))
    listing.locator(".opblock-summary").first.click()
    listing.locator(".try-out__btn").click()
    listing.locator(".execute").click()
    status = listing.locator(".live-responses-table .response .response-col_status")
    status.wait_for(timeout=TIMEOUT_MS)
    assert status.inner_text().strip() == "200"
    body = listing.locator(".live-responses-table .response-col_description pre.microlight").first
    assert product_name in body.inner_text()
    # The request the page shows is the one it sent: to this router, not to a server of the document's.
    assert f"{router}/products" in listing.locator(".request-url").inner_text()

    assert page.blocked == []
    assert page.errors == []


def test_graphiql_runs_a_query_and_shows_the_data(router: str, product_name: str, page: OfflinePage) -> None:
    tab = page.page
    tab.goto(f"{router}/graphql")
    tab.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=TIMEOUT_MS)
    tab.evaluate(
        "query => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(query)",
        "query Catalogue { products(limit: 100) { items { name seller { name } } } }",
    )
    tab.click(".graphiql-execute-button")
    tab.wait_for_function(
        """name => (document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || '')
              .includes(name)""",
        arg=product_name,
        timeout=TIMEOUT_MS,
    )
    result = tab.evaluate("() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()")
    assert '"name": "Seller"' in result  # the seller comes from the users subgraph: a federated query
    assert '"errors"' not in result
    assert page.blocked == []
    assert page.errors == []
