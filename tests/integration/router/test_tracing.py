"""OpenTelemetry traces across the router and two real subgraphs, exported to a real OTLP/HTTP receiver.

One query through the router must produce one trace: the router's server span (operation name and
outcome), a client span per subgraph fetch (service name and status) as its children, and each
subgraph's server span as the child of the fetch that called it (W3C ``traceparent``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from router.compose import SubgraphInput, compose_or_raise
from router.compose.fetch import fetch_sdl
from router.server.app import RouterOptions, create_router_app
from router.server.config import RouterConfig
from router.server.reload import FileSource
from router.server.subgraph_calls import SubgraphCalls
from router.server.subgraph_retry import RetryQueryFetches
from servicekit.tracing import TracingMiddleware, TracingSettings
from tests.integration.router.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.integration.router.support import running_router
from tests.integration.router.traced_subgraphs import products_app, users_app
from tests.support.servers import serve_app

pytestmark = pytest.mark.router

QUERY = "query Catalogue { products { name seller { name } } }"


@contextlib.contextmanager
def traced_platform(tmp_path: Path, receiver_url: str, *, via_router_yaml: bool) -> Iterator[str]:
    """Both subgraphs and the router, all exporting to ``receiver_url``; stopped (and flushed) on exit."""
    subgraph_tracing = TracingSettings(otlp_endpoint=receiver_url)
    with serve_app(users_app(subgraph_tracing)) as users, serve_app(products_app(subgraph_tracing)) as products:
        inputs = [
            SubgraphInput(name=name, url=f"{url}/graphql", sdl=fetch_sdl(name, f"{url}/graphql"))
            for name, url in (("users", users), ("products", products))
        ]
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(compose_or_raise(inputs))
        if via_router_yaml:
            config = {"telemetry": {"exporters": {"tracing": {"otlp": {"enabled": True, "endpoint": receiver_url}}}}}
            options = RouterOptions()
        else:
            config = {}
            options = RouterOptions(tracing=TracingSettings(otlp_traces_endpoint=f"{receiver_url}/v1/traces"))
        with running_router(supergraph, config, options) as router:
            yield router


def only(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in spans]}"
    return found[0]


@pytest.mark.parametrize("via_router_yaml", [True, False], ids=["router.yaml", "environment"])
def test_one_trace_spans_the_router_and_both_subgraphs(tmp_path: Path, via_router_yaml: bool) -> None:
    receiver = OtlpReceiver()
    with serve_app(receiver.asgi_app()) as receiver_url:
        with traced_platform(tmp_path, receiver_url, via_router_yaml=via_router_yaml) as router:
            response = httpx.post(f"{router}/graphql", json={"query": QUERY})
            assert response.json() == {
                "data": {
                    "products": [
                        {"name": "Table", "seller": {"name": "Ada"}},
                        {"name": "Couch", "seller": {"name": "Bob"}},
                    ]
                }
            }
            request_id = response.headers["x-request-id"]
            httpx.get(f"{router}/health")
        # The servers have stopped: each flushed its spans on shutdown.
        router_spans = receiver.of("router")
        request = only(router_spans, "POST /graphql")
        assert request.kind == Span.SPAN_KIND_SERVER
        assert request.parent_span_id == ""
        assert request.attributes["graphql.operation.name"] == "Catalogue"
        assert request.attributes["graphql.operation.type"] == "query"
        assert request.attributes["graphql.outcome"] == "success"
        assert request.attributes["http.response.status_code"] == 200
        assert request.attributes["request.id"] == request_id
        assert request.attributes["router.subgraph_calls"] == 2
        trace = request.trace_id

        fetches = {s.attributes["subgraph.name"]: s for s in router_spans if s.kind == Span.SPAN_KIND_CLIENT}
        assert set(fetches) == {"users", "products"}
        for name, fetch in fetches.items():
            assert fetch.name == f"subgraph {name}"
            assert fetch.trace_id == trace
            assert fetch.parent_span_id == request.span_id
            assert fetch.attributes["subgraph.status"] == "ok"

        for name in ("users", "products"):
            # (the composition's ``_service`` fetch made a trace of its own)
            served = only([s for s in receiver.of(name) if s.trace_id == trace], "POST /graphql")
            assert served.kind == Span.SPAN_KIND_SERVER
            assert served.trace_id == trace
            assert served.parent_span_id == fetches[name].span_id
        assert not any(s.attributes.get("url.path") == "/health" for s in router_spans)


def test_failures_mark_the_spans(tmp_path: Path) -> None:
    receiver = OtlpReceiver()
    with serve_app(receiver.asgi_app()) as receiver_url:
        with traced_platform(tmp_path, receiver_url, via_router_yaml=True) as router:
            refused = httpx.post(f"{router}/graphql", json={"query": "query Refused { nothing }"})
            assert refused.status_code == 400
            failed = httpx.post(f"{router}/graphql", json={"query": "query Broken { broken }"}).json()
            assert failed["data"] is None
        spans = {
            s.attributes.get("graphql.operation.name"): s for s in receiver.of("router") if s.name == "POST /graphql"
        }
    # A refused operation is the client's error: recorded, but not a failed span.
    assert spans["Refused"].attributes["graphql.outcome"] == "refused"
    assert spans["Refused"].attributes["http.response.status_code"] == 400
    assert spans["Refused"].status_code != Status.STATUS_CODE_ERROR
    assert not [
        s for s in receiver.of("router") if s.trace_id == spans["Refused"].trace_id and s.kind == Span.SPAN_KIND_CLIENT
    ]
    broken = spans["Broken"]
    assert broken.attributes["graphql.outcome"] == "error"
    assert broken.status_code == Status.STATUS_CODE_ERROR
    fetch = only([s for s in receiver.of("router") if s.trace_id == broken.trace_id], "subgraph users")
    assert fetch.parent_span_id == broken.span_id
    assert fetch.attributes["subgraph.status"] == "error"
    assert fetch.attributes["subgraph.errors"] == 1
    assert fetch.status_code == Status.STATUS_CODE_ERROR


def test_nothing_is_set_up_without_an_exporter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "MARKETPLACE_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    subgraph = users_app(TracingSettings())
    assert subgraph.state.tracing is None
    assert not any(m.cls is cast(Any, TracingMiddleware) for m in subgraph.user_middleware)
    supergraph = tmp_path / "supergraph.graphql"
    supergraph.write_text(compose_or_raise([SubgraphInput(name="users", url="http://127.0.0.1:9/", sdl=USERS_SDL)]))
    router = create_router_app(FileSource(supergraph), RouterConfig(), RouterOptions(tracing=TracingSettings()))
    assert router.state.tracing is None
    assert not any(m.cls is cast(Any, TracingMiddleware) for m in router.user_middleware)
    # The executor calls the engine's own fetcher through the query retry only: no tracing wrapper.
    engine = router.state.holder.current.engine
    assert isinstance(engine.executor.fetcher, RetryQueryFetches)
    assert engine.executor.fetcher.inner is engine.fetcher
    assert not isinstance(engine.executor.fetcher, SubgraphCalls)


USERS_SDL = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
type Query { users: [User!]! }
type User @key(fields: "id") { id: ID! name: String! }
"""
