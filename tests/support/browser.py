"""Headless Chromium (Debian's /usr/bin/chromium) through playwright, cut off from everything but 127.0.0.1.

Every request a page makes to another host is aborted and recorded, so a test can assert that the
page needed nothing from the internet (no CDN, no telemetry).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

from playwright.sync_api import Page, Route, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = ("127.0.0.1", "localhost")


@dataclass
class OfflinePage:
    page: Page
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def offline_page() -> Iterator[OfflinePage]:
    """A fresh page in a fresh browser; ``blocked`` lists outside requests, ``errors`` uncaught page errors."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context()
            tab = OfflinePage(context.new_page())

            def offline(route: Route) -> None:
                if urlparse(route.request.url).hostname in LOCAL_HOSTS:
                    route.continue_()
                else:
                    tab.blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", offline)
            tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
            yield tab
        finally:
            browser.close()
