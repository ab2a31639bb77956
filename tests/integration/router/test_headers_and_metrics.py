"""What reaches the subgraphs (headers, service token, request id) and what /metrics and the log say."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import pytest

from router.server.app import RouterOptions
from servicekit.internal import HEADER, service_token_claims, verify_service_token
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router

pytestmark = pytest.mark.router
SECRET = "s" * 40
QUERY = "{ products { id seller { name } } }"


def test_default_headers_reach_every_subgraph(supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]) -> None:
    with running_router(supergraph_file, options=RouterOptions(internal_secret=SECRET)) as url:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": QUERY},
            headers={
                "authorization": "Bearer abc",
                "x-request-id": "req-123",
                "cookie": "session=1",
                HEADER: "forged",
            },
        )
    assert response.headers["x-request-id"] == "req-123"
    for name in ("products", "accounts"):
        headers = subgraphs[name].requests[0]["headers"]
        assert headers["authorization"] == "Bearer abc"
        assert headers["x-request-id"] == "req-123"
        assert headers["x-forwarded-for"] == "127.0.0.1"
        assert "cookie" not in headers
        assert verify_service_token(headers[HEADER.lower()], SECRET) == "router"


def test_header_rules_propagate_rename_insert_and_remove(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    config = {
        "headers": {
            "all": {
                "request": [
                    {"propagate": {"named": "x-tenant"}},
                    {"propagate": {"named": "x-client", "rename": "x-client-name", "default": "unknown"}},
                    {"propagate": {"matching": "^x-trace-"}},
                    {"insert": {"name": "x-from", "value": "router"}},
                    {"remove": {"named": "x-trace-secret"}},
                ]
            }
        }
    }
    with running_router(supergraph_file, config) as url:
        httpx.post(
            f"{url}/graphql",
            json={"query": "{ users { id } }"},
            headers={"x-tenant": "acme", "x-trace-a": "1", "x-trace-secret": "no", "x-other": "no"},
        )
    headers = subgraphs["accounts"].requests[0]["headers"]
    assert headers["x-tenant"] == "acme"
    assert headers["x-client-name"] == "unknown"
    assert headers["x-trace-a"] == "1"
    assert headers["x-from"] == "router"
    assert "x-trace-secret" not in headers
    assert "x-other" not in headers
    assert HEADER.lower() not in headers  # no internal secret configured: no token


def test_metrics_count_operations_fetches_and_caches(supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]) -> None:
    with running_router(supergraph_file) as url:
        for _ in range(2):
            httpx.post(f"{url}/graphql", json={"query": "query Top " + QUERY})
        httpx.post(f"{url}/graphql", json={"query": "{ nope }"})
        subgraphs["accounts"].fail_status = 500
        httpx.post(f"{url}/graphql", json={"query": "query Top " + QUERY})
        text = httpx.get(f"{url}/metrics").text

    def value(line_start: str) -> float:
        for line in text.splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"no metric {line_start!r} in:\n{text}")

    assert value('router_operations_total{operation="Top",outcome="success",type="query"}') == 2
    assert value('router_operations_total{operation="Top",outcome="partial",type="query"}') == 1
    assert value('router_operations_total{operation="anonymous",outcome="refused",type="query"}') == 1
    assert value('router_operation_duration_seconds_count{operation="Top"}') == 3
    assert value('router_subgraph_requests_total{subgraph="products"}') == 3
    assert value('router_subgraph_request_duration_seconds_count{subgraph="accounts"}') == 3
    assert value('router_subgraph_errors_total{code="SUBREQUEST_HTTP_ERROR",subgraph="accounts"}') == 1
    assert value('router_operation_cache_total{result="hit"}') == 2
    assert value('router_operation_cache_total{result="miss"}') == 2  # "Top" and "{ nope }"
    assert value('router_http_requests_total{method="POST",path="/graphql",status="200"}') == 3


def test_one_json_log_line_per_request(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph], caplog: pytest.LogCaptureFixture
) -> None:
    from servicekit.observability import JsonFormatter

    caplog.set_level(logging.INFO, logger="router.request")
    with running_router(supergraph_file) as url:
        httpx.post(f"{url}/graphql", json={"query": "query Top " + QUERY}, headers={"x-request-id": "log-1"})
    lines = [r for r in caplog.records if r.name == "router.request"]
    assert len(lines) == 1
    entry = json.loads(JsonFormatter().format(lines[0]))
    assert entry["operation"] == "Top"
    assert entry["outcome"] == "success"
    assert entry["subgraph_calls"] == 2
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0
    assert entry["request_id"] == "log-1"


def test_subgraph_error_details_are_masked_in_production(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    subgraphs["accounts"].fail_status = 500
    with running_router(supergraph_file, options=RouterOptions(production=True)) as url:
        masked = httpx.post(f"{url}/graphql", json={"query": QUERY}).json()
    with running_router(supergraph_file) as url:
        detailed = httpx.post(f"{url}/graphql", json={"query": QUERY}).json()
    assert masked["errors"][0]["message"] == "Subgraph errors redacted"
    assert "serviceName" not in masked["errors"][0].get("extensions", {})
    assert "accounts" in detailed["errors"][0]["message"]


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [([], "127.0.0.1"), (["127.0.0.1/32"], "198.51.100.7"), (["10.0.0.0/8"], "127.0.0.1")],
    ids=["nothing-trusted", "peer-is-a-proxy", "peer-is-not-a-proxy"],
)
def test_the_client_address_reaches_subgraphs_in_the_signed_token_only(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph], trusted: list[str], expected: str
) -> None:
    spoofed = {"x-forwarded-for": "203.0.113.66, 198.51.100.7", "forwarded": "for=203.0.113.67"}
    options = RouterOptions(internal_secret=SECRET)
    with running_router(supergraph_file, {"trusted_proxies": trusted}, options) as url:
        assert httpx.post(f"{url}/graphql", json={"query": QUERY}, headers=spoofed).status_code == 200
    headers = subgraphs["products"].requests[0]["headers"]
    _service, claims = service_token_claims(headers[HEADER.lower()], SECRET)
    assert claims["client"] == expected
    assert headers["x-forwarded-for"] == expected  # the resolved address only, never the client's chain
    assert "forwarded" not in headers
