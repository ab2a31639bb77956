"""The /docs page: Swagger UI 5 from the router's own assets, or from a CDN at the pinned version."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from router.rest.docs import ASSETS_ROOT, BUNDLES, SwaggerUIPage, docs_routes, pinned_version
from tests.support.servers import serve_app

pytestmark = pytest.mark.router


def test_the_cdn_fallback_loads_the_version_package_json_pins(tmp_path: Path) -> None:
    pinned = json.loads((ASSETS_ROOT / "package.json").read_text())["dependencies"]["swagger-ui-dist"]
    assert pinned.startswith("5.")  # Swagger UI 4 cannot read OpenAPI 3.1
    assert pinned_version() == pinned
    page = SwaggerUIPage("/docs", "/openapi.json", "API", assets_dir=tmp_path / "missing")
    assert not page.local
    assert f"https://unpkg.com/swagger-ui-dist@{pinned}/swagger-ui-bundle.js" in page.html
    assert "/docs/assets/" not in page.html


def test_local_assets_are_served_and_nothing_else(tmp_path: Path) -> None:
    for name in BUNDLES:
        (tmp_path / name).write_bytes(b"/* " + name.encode() + b" */")
    (tmp_path / "secret.txt").write_text("not an asset")
    page = SwaggerUIPage("/api-docs", "/spec.json", "<API>", assets_dir=tmp_path)
    assert page.local
    assert '<script src="/api-docs/assets/swagger-ui-bundle.js"></script>' in page.html
    assert "<title>&lt;API&gt;</title>" in page.html
    assert "<script>" not in page.html  # no inline script: a strict CSP allows the page
    assert 'url: "/spec.json"' in page.script


def test_routes_answer_the_page_the_init_script_and_nothing_else() -> None:
    with serve_app(Starlette(routes=docs_routes())) as url, httpx.Client(base_url=url, timeout=10) as client:
        check_routes(client)


def check_routes(client: httpx.Client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    init = client.get("/docs/init.js")
    assert init.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle(" in init.text
    assert client.get("/docs/assets/../package.json").status_code == 404
    assert client.get("/docs/assets/index.html").status_code == 404
