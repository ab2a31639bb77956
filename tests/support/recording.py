"""An ASGI wrapper that records the GraphQL operations a real subgraph server receives.

Tests wrap a subgraph app with it before serving it, then read which operations the router sent
(e.g. that a deferred part did not fetch its ancestors again). The app itself is untouched.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RecordingApp:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.queries: list[str] = []  # every POSTed GraphQL query text, in arrival order

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)  # ``state`` and the like: the wrapped app's

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []

        async def recording() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._record(b"".join(chunks))
            return message

        await self.app(scope, recording, send)

    def _record(self, body: bytes) -> None:
        try:
            payload = json.loads(body)
        except ValueError:
            return
        for item in payload if isinstance(payload, list) else [payload]:
            if isinstance(item, dict) and isinstance(item.get("query"), str):
                self.queries.append(item["query"])
