"""Subgraphs over ``https://``: the router trusts the authorities of ``tls.subgraph`` and shows its certificate.

Real TLS servers (uvicorn) with certificates from private authorities made for the test. The router
is built from a router.yaml as ``router serve`` builds it (relative paths from the file's folder);
queries go through the fetcher's HTTPS client, subscriptions through the subgraph WebSocket client.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from router.execution.subgraph_stream import SubgraphStreamLost, SubgraphStreams
from router.execution.subgraph_tls import load_subgraph_tls
from router.server.config import load_router_config
from router.server.runtime import build_runtime
from tests.federation.support.harness import compose
from tests.federation.support.subgraph import FakeSubgraph
from tests.support.certificates import PrivateAuthority, make_authority
from tests.support.servers import serve_app

pytestmark = [pytest.mark.integration, pytest.mark.router]

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])\n'


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> PrivateAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"), "subgraphs")


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> PrivateAuthority:
    """Another authority: what it signed is not trusted where only ``authority`` is."""
    return make_authority(tmp_path_factory.mktemp("tls-other"), "other")


@contextlib.contextmanager
def greetings_over_tls(authority: PrivateAuthority, *, client_certificates: bool) -> Iterator[FakeSubgraph]:
    graph = FakeSubgraph("greetings", LINK + "type Query { greeting: String }", root={"greeting": "hello"})
    with serve_app(graph.asgi_app(), tls=authority, client_certificates=client_certificates) as url:
        graph.url = url + "/"
        yield graph


@pytest.fixture(scope="module")
def https_subgraph(authority: PrivateAuthority) -> Iterator[FakeSubgraph]:
    with greetings_over_tls(authority, client_certificates=False) as graph:
        yield graph


@pytest.fixture(scope="module")
def mutual_tls_subgraph(authority: PrivateAuthority) -> Iterator[FakeSubgraph]:
    """A subgraph that refuses a client without a certificate its authority signed."""
    with greetings_over_tls(authority, client_certificates=True) as graph:
        yield graph


async def greeting(graph: FakeSubgraph, folder: Path, router_yaml: str) -> dict[str, Any]:
    """``{ greeting }`` through a router configured by ``router_yaml`` (written in ``folder``)."""
    (folder / "router.yaml").write_text(router_yaml)
    runtime = build_runtime(compose([graph]), load_router_config(folder / "router.yaml"))
    try:
        return await runtime.engine.execute("{ greeting }")
    finally:
        await runtime.engine.aclose()


def copy_to(folder: Path, *files: Path) -> None:
    for file in files:
        shutil.copy(file, folder / file.name)


async def test_the_configured_authority_is_trusted(
    https_subgraph: FakeSubgraph, authority: PrivateAuthority, tmp_path: Path
) -> None:
    copy_to(tmp_path, authority.ca)
    config = f"tls:\n  subgraph:\n    all:\n      certificate_authorities: {authority.ca.name}\n"

    assert await greeting(https_subgraph, tmp_path, config) == {"data": {"greeting": "hello"}}


@pytest.mark.parametrize("trusted", ["none", "another authority"])
async def test_a_subgraph_certificate_from_an_unknown_authority_is_refused(
    https_subgraph: FakeSubgraph, stranger: PrivateAuthority, tmp_path: Path, trusted: str
) -> None:
    config = "" if trusted == "none" else f"tls:\n  subgraph:\n    all:\n      certificate_authorities: {stranger.ca}\n"

    result = await greeting(https_subgraph, tmp_path, config)

    assert result["data"] == {"greeting": None}
    [error] = result["errors"]
    assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"
    assert "invalid peer certificate: UnknownIssuer" in error["message"]


async def test_a_subgraph_of_its_own_overrides_all(
    https_subgraph: FakeSubgraph, authority: PrivateAuthority, stranger: PrivateAuthority, tmp_path: Path
) -> None:
    config = (
        "tls:\n  subgraph:\n"
        f"    all:\n      certificate_authorities: {stranger.ca}\n"
        f"    subgraphs:\n      greetings:\n        certificate_authorities: {authority.ca}\n"
    )

    assert await greeting(https_subgraph, tmp_path, config) == {"data": {"greeting": "hello"}}


async def test_the_client_certificate_is_shown_to_a_subgraph_that_asks(
    mutual_tls_subgraph: FakeSubgraph, authority: PrivateAuthority, tmp_path: Path
) -> None:
    trusted = f"tls:\n  subgraph:\n    all:\n      certificate_authorities: {authority.ca}\n"
    client = (
        "      client_authentication:\n"
        f"        certificate_chain: {authority.client_certificate}\n"
        f"        key: {authority.client_key}\n"
    )

    assert await greeting(mutual_tls_subgraph, tmp_path, trusted + client) == {"data": {"greeting": "hello"}}

    refused = await greeting(mutual_tls_subgraph, tmp_path, trusted)  # no client certificate
    assert refused["data"] == {"greeting": None}
    assert refused["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"


def ticking_subgraph() -> Starlette:
    """A subgraph's subscription endpoint (graphql-transport-ws): one ``next`` per subscribe, then ``complete``."""

    async def endpoint(socket: WebSocket) -> None:
        await socket.accept(subprotocol="graphql-transport-ws")
        assert (await socket.receive_json())["type"] == "connection_init"
        await socket.send_json({"type": "connection_ack"})
        subscribe = await socket.receive_json()
        await socket.send_json({"id": subscribe["id"], "type": "next", "payload": {"data": {"tick": 1}}})
        await socket.send_json({"id": subscribe["id"], "type": "complete"})
        await socket.close()

    return Starlette(routes=[WebSocketRoute("/", endpoint)])


async def events(streams: SubgraphStreams, url: str, **tls: Any) -> AsyncIterator[dict[str, Any]]:
    async for event in streams.subscribe("ticks", url, "subscription { tick }", {}, None, **tls):
        yield event


async def test_subscriptions_to_a_wss_subgraph_use_the_same_settings(
    authority: PrivateAuthority, stranger: PrivateAuthority
) -> None:
    streams = SubgraphStreams(init_timeout=5)
    with serve_app(ticking_subgraph(), tls=authority, client_certificates=True) as url:
        try:
            settings = load_subgraph_tls(authority.ca, authority.client_certificate, authority.client_key)
            assert [e async for e in events(streams, url + "/", tls=settings)] == [{"data": {"tick": 1}}]

            for refused in (None, load_subgraph_tls(stranger.ca, stranger.client_certificate, stranger.client_key)):
                with pytest.raises(SubgraphStreamLost, match="certificate verify failed"):
                    [e async for e in events(streams, url + "/", tls=refused)]
        finally:
            await streams.aclose()


def test_tls_settings_for_a_plain_http_subgraph_are_reported(
    authority: PrivateAuthority, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    graph = FakeSubgraph("greetings", LINK + "type Query { greeting: String }", url="http://127.0.0.1:9/")
    config = f"tls:\n  subgraph:\n    subgraphs:\n      greetings:\n        certificate_authorities: {authority.ca}\n"
    (tmp_path / "router.yaml").write_text(config)

    with caplog.at_level(logging.WARNING, logger="router.server.runtime"):
        build_runtime(compose([graph]), load_router_config(tmp_path / "router.yaml"))

    assert "tls.subgraph names subgraphs reached without TLS (not https://): greetings" in caplog.text
