"""The REST layer in front of the real platform: ``marketplace up`` (subgraphs, workers, database,
broker) and, in this process, the router's engine composed from the live subgraphs, executing the
declared operations in-process exactly as the router does."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from marketplace.embedded_redis import start_embedded_redis
from router.compose import SubgraphInput, compose
from router.compose.fetch import fetch_sdl
from router.engine import Engine
from router.rest import rest_routes
from subgraphs.common.internal import HEADER, mint_service_token
from tests.support.servers import serve_app
from tests.support.stack import RunningStack, start_stack

SUBGRAPHS = ("users", "products", "orders")


def service_headers(data_dir: Path) -> dict[str, str]:
    """The router's service token, which the subgraphs require for ``_entities`` and ``_service``."""
    secret = (data_dir / "keys" / "internal-secret").read_text().strip()
    return {HEADER: mint_service_token(secret, "router")}


def compose_live(stack: RunningStack, data_dir: Path) -> str:
    inputs = []
    for name in SUBGRAPHS:
        url = f"{stack.url(name)}/graphql"
        inputs.append(SubgraphInput(name, url, fetch_sdl(name, url, service_headers(data_dir))))
    result = compose(inputs)
    assert result.supergraph_sdl is not None, result.errors
    return result.supergraph_sdl


@contextlib.contextmanager
def embedded_redis(folder: Path) -> Iterator[str]:
    server = start_embedded_redis(folder)
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def running_platform(data_dir: Path, database_url: str, broker_url: str) -> Iterator[RunningStack]:
    stack = start_stack(data_dir, database_url=database_url, broker_url=broker_url)
    try:
        stack.wait_for_line("press Ctrl-C to stop", timeout=240)
        yield stack
    finally:
        stack.stop()


@contextlib.contextmanager
def rest_front(stack: RunningStack, data_dir: Path) -> Iterator[str]:
    """A Starlette app serving the REST routes through an Engine over the stack's subgraphs."""
    engine = Engine(compose_live(stack, data_dir))

    async def execute(
        query: str, variables: Mapping[str, Any], operation_name: str | None, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        return await engine.execute(query, variables, operation_name, {**headers, **service_headers(data_dir)})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await engine.aclose()

    app = Starlette(routes=rest_routes(engine.api_schema, execute), lifespan=lifespan)
    with serve_app(app) as url:
        yield url
