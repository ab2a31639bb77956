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
QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror"


@dataclass
class GraphiQL:
    page: Page
    blocked: list[str] = field(default_factory=list)  # requests to anywhere but 127.0.0.1, aborted
    errors: list[str] = field(default_factory=list)  # uncaught page errors
    sockets: list[str] = field(default_factory=list)  # WebSocket URLs the page opened

    async def set_query(self, query: str) -> None:
        """Type ``query`` and wait until GraphiQL has parsed it.

        GraphiQL parses the editor's text 100 ms after the last change, and its fetcher picks the
        transport from that parse: a subscription run before it goes over HTTP as if it were a query.
        """
        await self.page.evaluate(f"q => {QUERY_EDITOR}.setValue(q)", query)
        await self.page.wait_for_function(
            f"() => {QUERY_EDITOR}.documentAST?.loc?.source.body === {QUERY_EDITOR}.getValue()", timeout=30_000
        )

    async def forget_parse(self) -> None:
        """Drop GraphiQL's parse of the query, as if Run were pressed within 100 ms of the last keystroke."""
        await self.page.evaluate(f"() => {{ {QUERY_EDITOR}.documentAST = undefined; }}")

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
            page.on("websocket", lambda socket: tab.sockets.append(socket.url))
            await page.goto(f"{router_url}/graphql")
            await page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
            yield tab
        finally:
            await browser.close()
