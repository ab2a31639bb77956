"""Fetching ``_service { sdl }`` from real subgraph servers on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from router.cli import main
from router.compose.errors import SubgraphFetchError
from router.compose.fetch import fetch_sdl, fetch_sdl_async
from tests.support.servers import free_port, serve_app
from tests.unit.router.compose.cases import VALID

pytestmark = pytest.mark.router

SDL = dict(VALID["simple_entity"])


def _app(seen_headers: list[dict[str, str]]) -> Starlette:
    async def service(request: Request) -> Response:
        seen_headers.append(dict(request.headers))
        body: dict[str, Any] = await request.json()
        assert "_service" in body["query"]
        name = request.path_params["name"]
        if name == "broken":
            return PlainTextResponse("boom", status_code=500)
        if name == "text":
            return PlainTextResponse("not json")
        if name == "errors":
            return JSONResponse({"errors": [{"message": 'Cannot query field "_service" on type "Query".'}]})
        return JSONResponse({"data": {"_service": {"sdl": SDL[name]}}})

    return Starlette(routes=[Route("/{name}/graphql", service, methods=["POST"])])


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    with serve_app(_app(seen)) as url:
        yield url, seen


def test_fetches_the_sdl_with_introspection_headers(server: tuple[str, list[dict[str, str]]]) -> None:
    url, seen = server
    sdl = fetch_sdl("users", f"{url}/users/graphql", {"Authorization": "Bearer t"})
    assert sdl == SDL["users"]
    assert seen[-1]["authorization"] == "Bearer t"


async def test_async_fetch(server: tuple[str, list[dict[str, str]]]) -> None:
    url, _ = server
    assert await fetch_sdl_async("reviews", f"{url}/reviews/graphql") == SDL["reviews"]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("broken", "answered HTTP 500"),
        ("text", "not JSON"),
        ("errors", 'failed: Cannot query field "_service"'),
    ],
)
def test_errors_name_the_subgraph(server: tuple[str, list[dict[str, str]]], path: str, message: str) -> None:
    url, _ = server
    with pytest.raises(SubgraphFetchError) as raised:
        fetch_sdl("inventory", f"{url}/{path}/graphql")
    assert "subgraph 'inventory'" in str(raised.value)
    assert message in str(raised.value)


def test_unreachable_subgraph() -> None:
    with pytest.raises(SubgraphFetchError, match=r"subgraph 'users'.*cannot fetch"):
        fetch_sdl("users", f"http://127.0.0.1:{free_port()}/graphql", timeout=2)


def test_compose_command_fetches_from_subgraph_urls(server: tuple[str, list[dict[str, str]]], tmp_path: Path) -> None:
    # given a config whose subgraphs are introspected over HTTP
    url, _ = server
    config = tmp_path / "supergraph.yaml"
    config.write_text(
        "federation_version: =2.9.0\nsubgraphs:\n"
        f"  users:\n    routing_url: http://users:4001/graphql\n    schema:\n      subgraph_url: {url}/users/graphql\n"
        f"  reviews:\n    schema:\n      subgraph_url: {url}/reviews/graphql\n"
    )
    output = tmp_path / "supergraph.graphql"
    # when composing, then the supergraph routes to routing_url (or subgraph_url when none is given)
    assert main(["compose", str(config), "-o", str(output)]) == 0
    text = output.read_text()
    assert 'USERS @join__graph(name: "users", url: "http://users:4001/graphql")' in text
    assert f'REVIEWS @join__graph(name: "reviews", url: "{url}/reviews/graphql")' in text
