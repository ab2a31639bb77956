"""Run an ASGI app under uvicorn with a graceful stop.

On SIGTERM/SIGINT the app is first marked as draining (``/ready`` answers 503) for
``drain_seconds``, so load balancers take it out of rotation; then uvicorn stops accepting
connections, finishes in-flight requests and runs the shutdown hooks.

While draining, every response says ``Connection: close``. A proxy in front (nginx keeps idle
keep-alive connections to each instance) then holds no idle connection to this instance when it
stops listening, so no request can be written on a connection the server is closing: that race
would cost a POST a 502, since a proxy never resends a non-idempotent request it has sent. Keep
``drain_seconds`` above the proxy's idle keep-alive timeout (2 s in the edge of ``marketplace up``)
so the connections idle since before the drain are closed by the proxy itself.

Behind such a proxy, ``stop_listening_first`` (``MARKETPLACE_DRAIN_STOP_LISTENING``) also stops
accepting connections when the drain starts rather than when it ends: new connections are refused,
which a proxy retries on another instance even for a POST, and when the server finally closes its
connections the proxy holds none to it, so none can carry a request that arrived but was not yet
read (closing such a connection would cost that request). Leave it off where the load balancer
learns of the drain only from ``/ready`` (Kubernetes keeps sending new connections for a few
seconds): there the server must keep accepting while it drains.
"""

from __future__ import annotations

import asyncio
import logging
from types import FrameType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.types import Message, Receive, Scope, Send

from servicekit.http_protocol import ProblemH11Protocol

log = logging.getLogger(__name__)


class CloseWhileDraining:
    """ASGI wrapper: adds ``Connection: close`` to HTTP responses once the app is draining."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        lifecycle = getattr(self.app.state, "lifecycle", None)
        if scope["type"] != "http" or lifecycle is None or not lifecycle.draining:
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)


class DrainingServer(uvicorn.Server):
    def __init__(
        self, config: uvicorn.Config, app: Starlette, drain_seconds: float, stop_listening_first: bool = False
    ) -> None:
        super().__init__(config)
        self.app = app
        self.drain_seconds = drain_seconds
        self.stop_listening_first = stop_listening_first

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        lifecycle = getattr(self.app.state, "lifecycle", None)
        if lifecycle is None or lifecycle.draining or self.drain_seconds <= 0:
            if lifecycle is not None:
                lifecycle.draining = True
            super().handle_exit(sig, frame)
            return
        lifecycle.draining = True
        log.info("draining for %.1fs before stopping", self.drain_seconds)
        if self.stop_listening_first:
            for server in self.servers:
                server.close()  # new connections are refused (a proxy sends them elsewhere, POSTs too)
        loop = asyncio.get_event_loop()
        loop.call_later(self.drain_seconds, super().handle_exit, sig, frame)


def uvicorn_config(
    app: Starlette,
    *,
    host: str,
    port: int,
    drain_seconds: float = 0.0,
    log_level: str = "info",
    http: type[asyncio.Protocol] = ProblemH11Protocol,
    **extra: Any,
) -> uvicorn.Config:
    """uvicorn's settings for every service, a single process or one of ``router serve --workers N``.

    ``http``: the HTTP/1.1 protocol, one of :mod:`servicekit.http_protocol`'s (the router runs httptools').
    """
    return uvicorn.Config(
        CloseWhileDraining(app) if drain_seconds > 0 else app,
        host=host,
        port=port,
        log_level=log_level.lower(),
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=30,
        log_config=None,  # keep the process's own logging setup (text or JSON), not uvicorn's
        # uvicorn would otherwise replace the peer with X-Forwarded-For's value for requests from
        # 127.0.0.1: the router decides which proxies it trusts (trusted_proxies), subgraphs none.
        proxy_headers=False,
        http=http,  # its own 400s (malformed requests) as problem documents
        **extra,
    )


def serve(
    app: Starlette,
    *,
    host: str,
    port: int,
    drain_seconds: float = 0.0,
    log_level: str = "info",
    stop_listening_first: bool = False,
    http: type[asyncio.Protocol] = ProblemH11Protocol,
) -> None:
    config = uvicorn_config(app, host=host, port=port, drain_seconds=drain_seconds, log_level=log_level, http=http)
    # uvicorn.run picks uvloop when installed; calling serve() ourselves must ask for it explicitly.
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(DrainingServer(config, app, drain_seconds, stop_listening_first).serve())
