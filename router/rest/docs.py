"""``/docs``: Swagger UI over ``/openapi.json``, its assets served from the ``swagger-ui-bundle`` package.

No CDN: the page works offline and under a strict Content-Security-Policy (no inline script).
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path


def _page(docs_path: str, title: str) -> str:
    assets = f"{docs_path}/assets"
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(title)}</title>
  <link rel="stylesheet" href="{assets}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{assets}/swagger-ui-bundle.js"></script>
  <script src="{docs_path}/init.js"></script>
</body>
</html>
"""


def _init_script(openapi_path: str) -> str:
    return (
        "window.addEventListener('load', function () {\n"
        "  window.ui = SwaggerUIBundle({\n"
        f"    url: {openapi_path!r},\n"
        "    dom_id: '#swagger-ui',\n"
        "    deepLinking: true,\n"
        "    presets: [SwaggerUIBundle.presets.apis],\n"
        "  });\n"
        "});\n"
    )


def docs_routes(
    docs_path: str = "/docs", openapi_path: str = "/openapi.json", title: str = "Marketplace REST API"
) -> list[BaseRoute]:
    page = _page(docs_path, title)
    script = _init_script(openapi_path)

    async def docs(_: Request) -> Response:
        return HTMLResponse(page)

    async def init(_: Request) -> Response:
        return Response(script, media_type="application/javascript")

    return [
        Route(docs_path, docs, methods=["GET"], name="rest_docs"),
        Route(f"{docs_path}/init.js", init, methods=["GET"], name="rest_docs_init"),
        Mount(f"{docs_path}/assets", app=StaticFiles(directory=str(swagger_ui_path)), name="rest_docs_assets"),
    ]
