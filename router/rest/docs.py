"""``/docs``: Swagger UI 5 over ``/openapi.json`` (an OpenAPI 3.1 document), served by the router itself.

``router/server/assets`` takes ``swagger-ui-dist`` from the npm registry (pinned in its
package-lock.json) and ``build.mjs`` copies the browser bundle into ``assets/dist/swagger-ui``; the
page loads it from ``/docs/assets/``, so it works offline and with no inline script (a strict
Content-Security-Policy allows it). When the folder is missing (Node was not available at build
time) the page loads the same pinned version from a CDN instead, and the router says so once in its log.

"Try it out" sends its requests to the page's own origin (the document declares no ``servers``), so
they are same-origin: no CORS is involved, and the REST routes need no CSRF header (they take
credentials only as a bearer token, which a forging site cannot attach, and bodies only as
``application/json``, which a browser preflights when cross-origin).
"""

from __future__ import annotations

import json
import logging
from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Route

log = logging.getLogger(__name__)

ASSETS_ROOT = Path(__file__).resolve().parents[1] / "server" / "assets"
ASSETS_DIR = ASSETS_ROOT / "dist" / "swagger-ui"
BUNDLES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}
_FALLBACK_VERSION = "5.35.0"


def pinned_version(package_json: Path = ASSETS_ROOT / "package.json") -> str:
    """The ``swagger-ui-dist`` version the assets' package.json pins (the CDN fallback loads the same one)."""
    try:
        version = json.loads(package_json.read_text())["dependencies"]["swagger-ui-dist"]
    except (OSError, ValueError, KeyError, TypeError):
        return _FALLBACK_VERSION
    return str(version)


def _page(title: str, asset: dict[str, str], init_path: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)}</title>
  <link rel="stylesheet" href="{escape(asset["swagger-ui.css"])}">
  <link rel="icon" type="image/png" href="{escape(asset["favicon-32x32.png"])}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{escape(asset["swagger-ui-bundle.js"])}"></script>
  <script src="{escape(init_path)}"></script>
</body>
</html>
"""


def _init_script(openapi_path: str) -> str:
    # A separate script, not inline: the page stays valid under ``script-src 'self'``.
    return (
        "window.addEventListener('load', function () {\n"
        "  window.ui = SwaggerUIBundle({\n"
        f"    url: {json.dumps(openapi_path)},\n"
        "    dom_id: '#swagger-ui',\n"
        "    deepLinking: true,\n"
        "    presets: [SwaggerUIBundle.presets.apis],\n"
        "  });\n"
        "});\n"
    )


class SwaggerUIPage:
    def __init__(self, docs_path: str, openapi_path: str, title: str, assets_dir: Path = ASSETS_DIR) -> None:
        self.assets_dir = assets_dir
        self.local = all((assets_dir / name).is_file() for name in BUNDLES)
        if self.local:
            asset = {name: f"{docs_path}/assets/{name}" for name in BUNDLES}
        else:
            cdn = f"https://unpkg.com/swagger-ui-dist@{pinned_version()}"
            log.warning(
                "Swagger UI assets are not built (%s is missing; run `make assets`): /docs loads them from unpkg.com",
                assets_dir,
            )
            asset = {name: f"{cdn}/{name}" for name in BUNDLES}
        self.html = _page(title, asset, f"{docs_path}/init.js")
        self.script = _init_script(openapi_path)

    async def page(self, _: Request) -> Response:
        return HTMLResponse(self.html, headers={"cache-control": "no-cache"})

    async def init(self, _: Request) -> Response:
        return Response(self.script, media_type="text/javascript; charset=utf-8")

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in BUNDLES or not self.local:
            return Response("not found", status_code=404, media_type="text/plain")
        path = self.assets_dir / name
        return FileResponse(
            path, media_type=_MEDIA_TYPES[path.suffix], headers={"cache-control": "public, max-age=86400"}
        )


def docs_routes(
    docs_path: str = "/docs", openapi_path: str = "/openapi.json", title: str = "Marketplace REST API"
) -> list[BaseRoute]:
    docs = SwaggerUIPage(docs_path, openapi_path, title)
    return [
        Route(docs_path, docs.page, methods=["GET"], name="rest_docs"),
        Route(f"{docs_path}/init.js", docs.init, methods=["GET"], name="rest_docs_init"),
        Route(f"{docs_path}/assets/{{name}}", docs.asset, methods=["GET"], name="rest_docs_assets"),
    ]
