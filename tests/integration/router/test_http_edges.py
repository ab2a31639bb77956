"""The HTTP details of ``/graphql`` that its plain-ASGI fast path must keep exactly as Starlette's route gave them.

Response headers, CORS (with and without ``Origin``), other methods, ``HEAD``, a trailing slash,
bodies in several chunks, and repeated request headers under ``named`` and ``matching``
propagation rules.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router

pytestmark = pytest.mark.router
QUERY = '{ product(id: "p1") { name } }'
ANSWER = {"data": {"product": {"name": "Table"}}}
SHOP = "https://shop.example"
CORS = {"cors": {"origins": [SHOP], "allow_credentials": True}}


def test_a_graphql_answer_has_json_headers_a_request_id_and_vary_origin(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.post(f"{url}/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert response.json() == ANSWER
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    assert response.headers["vary"] == "Origin"
    assert response.headers["x-request-id"]
    assert "access-control-allow-origin" not in response.headers


def test_cors_answers_allowed_and_other_origins_and_preflights(supergraph_file: Path) -> None:
    with running_router(supergraph_file, CORS) as url:
        allowed = httpx.post(f"{url}/graphql", json={"query": QUERY}, headers={"origin": SHOP})
        other = httpx.post(f"{url}/graphql", json={"query": QUERY}, headers={"origin": "https://evil.example"})
        preflight = httpx.options(
            f"{url}/graphql",
            headers={
                "origin": SHOP,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type",
            },
        )
        refused_preflight = httpx.options(
            f"{url}/graphql",
            headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
        )
    assert allowed.json() == ANSWER
    assert allowed.headers["access-control-allow-origin"] == SHOP
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert "Origin" in allowed.headers["vary"]
    assert other.json() == ANSWER  # CORS is the browser's to enforce: the answer just lacks the allow header
    assert "access-control-allow-origin" not in other.headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == SHOP
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert refused_preflight.status_code == 400


def test_other_methods_get_405_head_answers_and_a_trailing_slash_redirects(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        put = httpx.put(f"{url}/graphql", json={"query": QUERY})
        head = httpx.head(f"{url}/graphql", params={"query": QUERY}, headers={"apollo-require-preflight": "1"})
        slash = httpx.post(f"{url}/graphql/", json={"query": QUERY})
    assert put.status_code == 405
    assert {m.strip() for m in put.headers["allow"].split(",")} == {"GET", "HEAD", "POST"}
    assert head.status_code == 200
    assert head.headers["content-type"] == "application/json"
    assert head.content == b""
    assert slash.status_code == 307
    assert slash.headers["location"].endswith("/graphql")


def test_a_body_sent_in_several_chunks_is_read_whole(supergraph_file: Path) -> None:
    body = ('{"query": "' + QUERY.replace('"', '\\"') + '"}').encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    with running_router(supergraph_file) as url:
        response = httpx.post(f"{url}/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json() == ANSWER


def test_repeated_request_headers_named_takes_the_first_matching_takes_the_last(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    config = {
        "headers": {
            "all": {"request": [{"propagate": {"named": "x-tenant"}}, {"propagate": {"matching": "^x-trace-"}}]}
        }
    }
    headers = [
        ("content-type", "application/json"),
        ("x-tenant", "first"),
        ("x-tenant", "second"),
        ("x-trace-id", "one"),
        ("x-trace-id", "two"),
    ]
    with running_router(supergraph_file, config) as url:
        response = httpx.post(f"{url}/graphql", content=b'{"query": "{ users { id } }"}', headers=headers)
    assert response.status_code == 200
    sent = subgraphs["accounts"].requests[0]["headers"]
    assert sent["x-tenant"] == "first"
    assert sent["x-trace-id"] == "two"


def test_repeated_named_headers_without_a_matching_rule_take_the_first(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    config = {"headers": {"all": {"request": [{"propagate": {"named": "x-tenant"}}]}}}
    headers = [("content-type", "application/json"), ("x-tenant", "first"), ("x-tenant", "second")]
    with running_router(supergraph_file, config) as url:
        response = httpx.post(f"{url}/graphql", content=b'{"query": "{ users { id } }"}', headers=headers)
    assert response.status_code == 200
    assert subgraphs["accounts"].requests[0]["headers"]["x-tenant"] == "first"


def _raw(url: str, request: bytes) -> bytes | None:
    """What the server answered to ``request`` sent as raw bytes; None if the connection was reset first."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        received = b""
        try:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return None
        return received


def test_http_level_refusals_are_problem_documents(supergraph_file: Path) -> None:
    with running_router(supergraph_file, {"limits": {"http_max_uri_bytes": 4096}}) as url:
        long_query = httpx.get(f"{url}/graphql", params={"query": "{ products { id } }", "x": "a" * 5000})
        assert long_query.status_code == 414
        assert long_query.headers["content-type"] == "application/problem+json"
        problem = long_query.json()
        assert (problem["code"], problem["title"], problem["status"]) == ("URI_TOO_LONG", "URI Too Long", 414)
        assert problem["type"] == "urn:marketplace:problem:uri-too-long"
        assert problem["errors"] == [
            {"message": problem["detail"], "extensions": {"code": "URI_TOO_LONG", "limit": 4096}}
        ]
        rest = httpx.get(f"{url}/products", params={"q": "a" * 5000})
        assert (rest.status_code, rest.json()["status"]) == (414, 414)
        assert httpx.get(f"{url}/products", params={"q": "desk"}).status_code != 414
        # The router's HTTP protocol (httptools) hands the app any target up to 65,535 bytes whole (so
        # 5,000 above is always the app's 414); a longer one, and a header block over 16
        # KiB (complete or not), get the protocol's own 400 (the connection may be reset if the server
        # closes while the client is still sending); then bad framing and a garbled request line.
        unfinished_headers = b"GET /graphql HTTP/1.1\r\nHost: x\r\n" + b"x-filler: " + b"a" * 20_000 + b"\r\n"
        for request, statuses, may_reset in (
            (
                b"GET /graphql?q=" + b"a" * 60_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                (b"414",),
                False,
            ),
            (b"GET /graphql?q=" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", (b"400",), True),
            (unfinished_headers, (b"400",), False),
            (unfinished_headers + b"Connection: close\r\n\r\n", (b"400",), False),  # whole, in one read
            (b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", (b"400",), False),
            (b"NOT HTTP AT ALL\r\n\r\n", (b"400",), False),
        ):
            answer = _raw(url, request)
            if answer is None:
                assert may_reset, f"reset instead of an answer to {request[:40]!r}"
                continue
            head, _, body = answer.partition(b"\r\n\r\n")
            assert head[9:12] in statuses, answer[:200]
            assert b"content-type: application/problem+json" in head.lower()
            assert json.loads(body)["status"] == int(head[9:12])
