"""GraphiQL in headless Chromium runs a subscription: the page subscribes, the API changes the order, the page shows it.

The page talks to the router only: GraphiQL's bundled graphql-ws client over the router's WebSocket,
the token from GraphiQL's Headers tab sent in connection_init. GraphiQL picks that transport from its
parse of the query, made 100 ms after the last edit; a subscription run before it goes over HTTP
with ``Accept: application/json, multipart/mixed``, and the router answers in the incremental
delivery framing GraphiQL can show (Apollo's ``{"payload": …}`` parts left its pane at ``{}``).
"""

from __future__ import annotations

import asyncio

import pytest

from router.server.graphiql import ASSETS_DIR, BUNDLES
from tests.integration.orders.products import Products
from tests.integration.realtime.graphiql_page import graphiql
from tests.integration.realtime.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.router, pytest.mark.browser]


async def test_graphiql_runs_order_updated(platform: Platform, products: Products) -> None:
    assert all((ASSETS_DIR / name).is_file() for name in BUNDLES), "GraphiQL assets not built: run `make node-deps`"
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=900)
    order_id = platform.create_order(buyer, product)
    async with graphiql(platform.router_url) as page:
        await page.set_query(f'subscription Track {{ orderUpdated(id: "{order_id}") {{ status buyer {{ name }} }} }}')
        await page.set_headers(platform.headers(buyer))
        await page.run()
        # the page's subscription is live end to end (router, orders instance)
        await platform.followed(order_id, timeout=30)

        # change the order through the API (REST, as a legacy client would)
        await asyncio.to_thread(platform.update_order, order_id, buyer, {"status": "CANCELLED"})
        try:
            await page.wait_for_response("CANCELLED")
        except AssertionError as error:  # say what each orders hub and the router held (failed once in CI)
            diagnosis = await asyncio.to_thread(platform.diagnosis)
            raise AssertionError(f"{error}; page errors: {page.errors}\n{diagnosis}") from None
        assert await page.response() == {"data": {"orderUpdated": {"status": "CANCELLED", "buyer": {"name": "Ada"}}}}
    assert page.sockets == [platform.router_url.replace("http", "ws", 1) + "/graphql"]
    assert page.blocked == []
    assert page.errors == []


async def test_graphiql_shows_a_subscription_run_before_it_parsed_the_text(
    platform: Platform, products: Products
) -> None:
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=900)
    order_id = platform.create_order(buyer, product)
    async with graphiql(platform.router_url) as page:
        content_types: list[str] = []
        page.page.on(
            "response",
            lambda r: content_types.append(r.headers.get("content-type", "")) if r.url.endswith("/graphql") else None,
        )
        await page.set_headers(platform.headers(buyer))
        await page.set_query(f'subscription Track {{ orderUpdated(id: "{order_id}") {{ status buyer {{ name }} }} }}')
        await page.forget_parse()
        await page.run()
        await platform.followed(order_id, timeout=30)
        await asyncio.to_thread(platform.update_order, order_id, buyer, {"status": "CANCELLED"})
        await page.wait_for_response("CANCELLED")
        shown = await page.response()
    assert shown == {"data": {"orderUpdated": {"status": "CANCELLED", "buyer": {"name": "Ada"}}}}
    assert page.sockets == []  # it went over HTTP
    assert 'multipart/mixed;boundary="-"' in content_types
    assert page.blocked == []
    assert page.errors == []
