"""GraphiQL in headless Chromium runs a query with ``@defer``: the page shows the parts merged into one result.

GraphiQL's fetcher sends ``Accept: application/json, multipart/mixed`` over HTTP; the router answers
in parts (``incrementalSpec=v0.2``, the primary part first, then the deferred fragment) and
GraphiQL merges them in its response pane. The test also checks the router did stream (the
response is multipart): a router that ignored ``@defer`` and answered in one piece would show the
same merged result.
"""

from __future__ import annotations

import pytest

from router.server.graphiql import ASSETS_DIR, BUNDLES
from tests.integration.orders.products import Products
from tests.integration.realtime.graphiql_page import graphiql
from tests.integration.realtime.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.router, pytest.mark.browser]


async def test_graphiql_runs_a_deferred_query(platform: Platform, products: Products) -> None:
    assert all((ASSETS_DIR / name).is_file() for name in BUNDLES), "GraphiQL assets not built: run `make node-deps`"
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=900)
    order_id = platform.create_order(buyer, product)
    query = f"""query Late {{
  order(id: "{order_id}") {{
    id status
    ... @defer(label: "people") {{ buyer {{ name }} items {{ quantity product {{ id }} }} }}
  }}
}}"""
    async with graphiql(platform.router_url) as page:
        content_types: list[str] = []
        page.page.on(
            "response",
            lambda r: content_types.append(r.headers.get("content-type", "")) if r.url.endswith("/graphql") else None,
        )
        await page.set_query(query)
        await page.set_headers(platform.headers(buyer))
        await page.run()
        await page.wait_for_response("Ada")
        shown = await page.response()
    assert shown == {
        "data": {
            "order": {
                "id": order_id,
                "status": "PENDING",
                "buyer": {"name": "Ada"},
                "items": [{"quantity": 1, "product": {"id": product}}],
            }
        }
    }
    assert 'multipart/mixed;boundary="-";incrementalSpec="v0.2"' in content_types
    assert page.blocked == []
    assert page.errors == []
