"""GraphiQL, served by the router itself from assets built at install time.

Queries and mutations go over HTTP, subscriptions over the router's WebSocket
(``graphql-transport-ws``, see :mod:`router.server.subscriptions`).

``router/server/assets`` takes GraphiQL and React from the npm registry and ``build.mjs`` copies
their browser bundles into ``assets/dist``; the page loads them from ``/graphiql/assets/``, so it
works with no network. When the folder is missing (Node was not available at build time) the page
loads the same pinned versions from a CDN instead, and the router says so once in its log.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).parent / "assets" / "dist"
ASSET_PREFIX = "/graphiql/assets"
BUNDLES = ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js", "graphiql.min.css")
CDN = {
    "react.production.min.js": "https://unpkg.com/react@18.3.1/umd/react.production.min.js",
    "react-dom.production.min.js": "https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js",
    "graphiql.min.js": "https://unpkg.com/graphiql@3.9.0/graphiql.min.js",
    "graphiql.min.css": "https://unpkg.com/graphiql@3.9.0/graphiql.min.css",
}
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="{css}">
  <style>html, body, #graphiql {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="{react}"></script>
  <script src="{react_dom}"></script>
  <script src="{graphiql}"></script>
  <script>
    const endpoint = {endpoint};
    const url = new URL(endpoint, window.location.href).toString();
    // Subscriptions go over graphql-transport-ws (the graphql-ws client bundled in GraphiQL); the
    // Headers tab's values travel in connection_init, where the router reads "Authorization".
    const fetcher = GraphiQL.createFetcher({{
      url,
      subscriptionUrl: url.replace(/^http/, "ws"),
      headers: {{ "apollo-require-preflight": "true" }},
    }});
    ReactDOM.createRoot(document.getElementById("graphiql")).render(
      React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }})
    );
  </script>
</body>
</html>
"""


class GraphiQLPage:
    def __init__(self, endpoint: str, assets_dir: Path = ASSETS_DIR, title: str = "Marketplace GraphiQL") -> None:
        self.assets_dir = assets_dir
        self.local = all((assets_dir / name).is_file() for name in BUNDLES)
        if not self.local:
            log.warning(
                "GraphiQL assets are not built (%s is missing; run `make node-deps`): "
                "the page loads them from unpkg.com",
                assets_dir,
            )

        def url(name: str) -> str:
            return f"{ASSET_PREFIX}/{name}" if self.local else CDN[name]

        self.html = PAGE.format(
            title=html.escape(title),
            css=url("graphiql.min.css"),
            react=url("react.production.min.js"),
            react_dom=url("react-dom.production.min.js"),
            graphiql=url("graphiql.min.js"),
            endpoint=json.dumps(endpoint).replace("</", "<\\/"),
        )

    def page(self) -> Response:
        return HTMLResponse(self.html, headers={"cache-control": "no-cache"})

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in BUNDLES or not self.local:
            return Response("not found", status_code=404, media_type="text/plain")
        path = self.assets_dir / name
        return FileResponse(
            path, media_type=_MEDIA_TYPES[path.suffix], headers={"cache-control": "public, max-age=86400"}
        )


def wants_html(headers: Mapping[str, str], params: Mapping[str, str]) -> bool:
    """A browser navigating to the URL (``Accept`` prefers ``text/html``), not a GraphQL client."""
    accept = headers.get("accept", "")
    if "text/html" not in accept:
        return False
    return not params.get("query") and not params.get("extensions")
