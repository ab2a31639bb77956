"""GraphiQL in headless Chromium runs a subscription: the page subscribes, the API changes the order, the page shows it.

The page talks to the router only (GraphiQL's bundled graphql-ws client over the router's
WebSocket); the token goes in GraphiQL's Headers tab, which the client sends in connection_init.
"""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlparse

import pytest
from playwright.async_api import Route, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from router.server.graphiql import ASSETS_DIR, BUNDLES
from tests.integration.orders.products import Products
from tests.integration.realtime.platform import Platform
from tests.support.browser import ARGS, CHROMIUM

pytestmark = [pytest.mark.integration, pytest.mark.router, pytest.mark.browser]
RESPONSE = "() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || ''"


async def test_graphiql_runs_order_updated(platform: Platform, products: Products) -> None:
    assert all((ASSETS_DIR / name).is_file() for name in BUNDLES), "GraphiQL assets not built: run `make node-deps`"
    buyer = platform.create_user("Ada")
    product = await products.add(stock=5, price=900)
    order_id = platform.create_order(buyer, product)
    blocked: list[str] = []
    errors: list[str] = []

    async def offline(route: Route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context()
            await context.route("**/*", offline)
            page = await context.new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            await page.goto(f"{platform.router_url}/graphql")
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
            query = f'subscription Track {{ orderUpdated(id: "{order_id}") {{ status buyer {{ name }} }} }}'
            await page.evaluate(
                "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)", query
            )
            await page.click("button:has-text('Headers')")
            headers = json.dumps(platform.headers(buyer))
            await page.wait_for_function(
                "() => [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')]"
                ".some(e => !e.classList.contains('hidden') && e.querySelector('.CodeMirror'))",
                timeout=30_000,
            )
            await page.evaluate(
                """h => [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')]
                      .find(e => !e.classList.contains('hidden'))
                      .querySelector('.CodeMirror').CodeMirror.setValue(h)""",
                headers,
            )
            await page.click(".graphiql-execute-button")
            # the page's subscription is live end to end (router, orders instance)
            await platform.followed(order_id, timeout=30)

            # change the order through the API (REST, as a legacy client would)
            await asyncio.to_thread(platform.update_order, order_id, buyer, {"status": "CANCELLED"})
            try:
                await page.wait_for_function(f"() => ({RESPONSE})().includes('CANCELLED')", timeout=30_000)
            except PlaywrightTimeout:
                shown_now = await page.evaluate(RESPONSE)
                raise AssertionError(
                    f"the page never showed CANCELLED; its response pane: {shown_now!r}; page errors: {errors}\n"
                    + await asyncio.to_thread(platform.diagnosis)
                ) from None
            shown = json.loads(await page.evaluate(RESPONSE))
            assert shown == {"data": {"orderUpdated": {"status": "CANCELLED", "buyer": {"name": "Ada"}}}}
        finally:
            await browser.close()
    assert blocked == []
    assert errors == []
