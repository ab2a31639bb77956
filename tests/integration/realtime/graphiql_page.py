"""The router's GraphiQL page in headless Chromium: loaded offline, its editors filled, its response pane read."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

from playwright.async_api import Page, Route, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import ARGS, CHROMIUM, LOCAL_HOSTS

RESPONSE = "() => document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror.getValue() || ''"


@dataclass
class GraphiQL:
    page: Page
    blocked: list[str] = field(default_factory=list)  # requests to anywhere but 127.0.0.1, aborted
    errors: list[str] = field(default_factory=list)  # uncaught page errors

    async def set_query(self, query: str) -> None:
        await self.page.evaluate(
            "q => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(q)", query
        )

    async def set_headers(self, headers: dict[str, str]) -> None:
        await self.page.click("button:has-text('Headers')")
        await self.page.wait_for_function(
            "() => [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')]"
            ".some(e => !e.classList.contains('hidden') && e.querySelector('.CodeMirror'))",
            timeout=30_000,
        )
        await self.page.evaluate(
            """h => [...document.querySelectorAll('.graphiql-editor-tool .graphiql-editor')]
                  .find(e => !e.classList.contains('hidden'))
                  .querySelector('.CodeMirror').CodeMirror.setValue(h)""",
            json.dumps(headers),
        )

    async def run(self) -> None:
        await self.page.click(".graphiql-execute-button")

    async def wait_for_response(self, text: str) -> None:
        try:
            await self.page.wait_for_function(f"() => ({RESPONSE})().includes({json.dumps(text)})", timeout=30_000)
        except PlaywrightTimeout:
            shown = await self.page.evaluate(RESPONSE)
            raise AssertionError(f"the response pane never showed {text!r}; it shows: {shown}") from None

    async def response(self) -> object:
        return json.loads(await self.page.evaluate(RESPONSE))


@contextlib.asynccontextmanager
async def graphiql(router_url: str) -> AsyncIterator[GraphiQL]:
    """The router's GraphiQL page, loaded, in a fresh browser cut off from everything but 127.0.0.1."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = await browser.new_context()
            page = await context.new_page()
            tab = GraphiQL(page)

            async def offline(route: Route) -> None:
                if urlparse(route.request.url).hostname in LOCAL_HOSTS:
                    await route.continue_()
                else:
                    tab.blocked.append(route.request.url)
                    await route.abort()

            await context.route("**/*", offline)
            page.on("pageerror", lambda error: tab.errors.append(str(error)))
            await page.goto(f"{router_url}/graphql")
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
            yield tab
        finally:
            await browser.close()
