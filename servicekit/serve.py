"""Run an ASGI app under uvicorn with a graceful stop.

On SIGTERM/SIGINT the app is first marked as draining (``/ready`` answers 503) for
``drain_seconds``, so load balancers take it out of rotation; then uvicorn stops accepting
connections, finishes in-flight requests and runs the shutdown hooks.
"""

from __future__ import annotations

import asyncio
import logging
from types import FrameType

import uvicorn
from starlette.applications import Starlette

from servicekit.http_protocol import ProblemH11Protocol

log = logging.getLogger(__name__)


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: Starlette, drain_seconds: float) -> None:
        super().__init__(config)
        self.app = app
        self.drain_seconds = drain_seconds

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        lifecycle = getattr(self.app.state, "lifecycle", None)
        if lifecycle is None or lifecycle.draining or self.drain_seconds <= 0:
            if lifecycle is not None:
                lifecycle.draining = True
            super().handle_exit(sig, frame)
            return
        lifecycle.draining = True
        log.info("draining for %.1fs before stopping", self.drain_seconds)
        loop = asyncio.get_event_loop()
        loop.call_later(self.drain_seconds, super().handle_exit, sig, frame)


def serve(app: Starlette, *, host: str, port: int, drain_seconds: float = 0.0, log_level: str = "info") -> None:
    config = uvicorn.Config(
        app,
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
        http=ProblemH11Protocol,  # its own 400s (malformed requests) as problem documents
    )
    # uvicorn.run picks uvloop when installed; calling serve() ourselves must ask for it explicitly.
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(DrainingServer(config, app, drain_seconds).serve())
