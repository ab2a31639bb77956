"""The edge as `marketplace up` runs it (marketplace/edge_config.py) in a real nginx, in front of real HTTP instances:
TLS, the HTTP redirect, gzip, load balancing, and failover when an instance dies."""

from __future__ import annotations

import contextlib
import ssl
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.nginx import Nginx, render, self_signed_certificate, start_nginx
from tests.support.raw_subgraph import Subgraph, reset_unanswered
from tests.support.servers import free_port, serve_app

pytestmark = [pytest.mark.foundation, pytest.mark.integration]


def instance(name: str) -> Starlette:
    async def graphql(request: Request) -> JSONResponse:
        payload = {"data": {"instance": name, "padding": "x" * 2000}}
        return JSONResponse(
            payload, headers={"x-instance": name, "x-seen-request-id": request.headers.get("x-request-id", "")}
        )

    return Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])


@pytest.fixture(scope="module")
def edge(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Nginx, int, int, Path, list[contextlib.ExitStack]]]:
    folder = tmp_path_factory.mktemp("nginx")
    cert, key = self_signed_certificate(folder)
    stacks = []
    ports = []
    for name in ("a", "b", "c"):
        stack = contextlib.ExitStack()
        port = free_port()
        stack.enter_context(serve_app(instance(name), port))
        stacks.append(stack)
        ports.append(port)
    http_port, https_port = free_port(), free_port()
    nginx = start_nginx(folder / "prefix", render(ports, http_port, https_port, cert, key), https_port)
    try:
        yield nginx, http_port, https_port, cert, stacks
    finally:
        nginx.stop()
        for stack in stacks:
            stack.close()


def test_https_with_the_configured_certificate_and_http_redirects(edge: tuple) -> None:  # type: ignore[type-arg]
    _, http_port, https_port, cert, _ = edge
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
        response = client.post(f"https://localhost:{https_port}/graphql", json={"query": "{ x }"})
        assert response.status_code == 200
        assert response.headers["strict-transport-security"].startswith("max-age=")
    redirect = httpx.get(f"http://127.0.0.1:{http_port}/graphql?x=1", follow_redirects=False)
    assert redirect.status_code == 301
    assert redirect.headers["location"].endswith(f":{https_port}/graphql?x=1")


def test_json_is_compressed_and_a_request_id_reaches_the_instance(edge: tuple) -> None:  # type: ignore[type-arg]
    _, _, https_port, cert, _ = edge
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
        raw = client.post(
            f"https://localhost:{https_port}/graphql",
            json={"query": "{ x }"},
            headers={"accept-encoding": "gzip", "x-request-id": "req-123"},
        )
    assert raw.headers["content-encoding"] == "gzip"
    assert len(raw.content) > 2000  # decoded by the client
    assert raw.num_bytes_downloaded < 500  # what crossed the wire
    assert raw.headers["x-seen-request-id"] == "req-123"


def test_load_is_spread_and_a_dead_instance_is_skipped(edge: tuple) -> None:  # type: ignore[type-arg]
    _, _, https_port, cert, stacks = edge
    with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as client:
        seen = Counter(
            client.post(f"https://localhost:{https_port}/graphql", json={}).headers["x-instance"] for _ in range(30)
        )
        assert set(seen) == {"a", "b", "c"}
        stacks[0].close()  # instance "a" stops
        statuses: Counter[int] = Counter()
        served: Counter[str | None] = Counter()
        for _ in range(30):
            response = client.post(f"https://localhost:{https_port}/graphql", json={})
            statuses[response.status_code] += 1
            served[response.headers.get("x-instance")] += 1
    assert statuses == Counter({200: 30})
    assert set(served) == {"b", "c"}


def test_a_subgraph_service_retries_only_what_is_safe(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Refused: even a POST goes to the next instance (it was never sent). Reset after sending: a GET
    is retried, a POST is not (the subgraph may have acted on it); the proxy answers 502 instead."""
    from marketplace.edge_config import EdgeConfig, Upstream
    from marketplace.edge_config import render as render_edge

    folder = tmp_path_factory.mktemp("nginx-service")
    cert, key = self_signed_certificate(folder)
    refused, service_port = free_port(), free_port()
    resetting = Subgraph(reset_unanswered)  # swallows each request it is sent
    with contextlib.ExitStack() as stack:
        good = free_port()
        stack.enter_context(serve_app(instance("good"), good))
        config = EdgeConfig(
            routers=Upstream("marketplace_router", (good,)),
            subgraphs={service_port: Upstream("users_service", (refused, resetting.port, good))},
            http_port=free_port(),
            https_port=free_port(),
            certificate=str(cert),
            certificate_key=str(key),
        )
        nginx = start_nginx(folder / "prefix", render_edge(config), service_port)
        stack.callback(nginx.stop)
        stack.callback(resetting.close)
        with httpx.Client(base_url=f"http://127.0.0.1:{service_port}") as client:
            posts = Counter(client.post("/graphql", json={}).status_code for _ in range(12))
            swallowed_posts = len(resetting.requests)
            gets = Counter(client.get("/graphql").status_code for _ in range(12))
    print(f"POST statuses {dict(posts)} ({swallowed_posts} sent to the resetting instance); GET {dict(gets)}")
    assert gets == Counter({200: 12})
    assert swallowed_posts >= 1
    assert posts[502] == swallowed_posts  # each POST that reached the resetting instance failed, never retried
    assert posts[200] == 12 - swallowed_posts
