"""What the router adds to each subgraph call: per-subgraph headers and a client span with ``traceparent``.

The engine calls this wrapper instead of its fetcher (``Engine(fetch_wrapper=...)``), and the server
installs it only when it has something to do: per-subgraph header rules, or tracing. Otherwise the
executor calls the fetcher directly and a request pays nothing for either feature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from router.execution.executor import SubgraphFetcher
from router.server.headers import per_subgraph_headers
from servicekit.tracing import PROPAGATOR


def fetch_status(response: Mapping[str, Any]) -> str:
    """``ok``, ``partial`` (data and errors) or ``error`` (errors and no data)."""
    if not response.get("errors"):
        return "ok"
    return "partial" if response.get("data") is not None else "error"


class SubgraphCalls:
    """A :class:`SubgraphFetcher` around the engine's own one."""

    def __init__(self, inner: SubgraphFetcher, tracer: Tracer | None = None) -> None:
        self.inner = inner
        self.tracer = tracer

    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None, *, shared: bool = False
    ) -> dict[str, Any]:
        own = per_subgraph_headers.get()
        if own is not None:
            headers = own.get(service, headers)
        if self.tracer is None:
            return await self.inner.fetch(service, body, headers, shared=shared)
        with self.tracer.start_as_current_span(
            f"subgraph {service}", kind=SpanKind.CLIENT, attributes={"subgraph.name": service}
        ) as span:
            carrier = dict(headers) if headers else {}
            PROPAGATOR.inject(carrier)
            response = await self.inner.fetch(service, body, carrier, shared=shared)
            status = fetch_status(response)
            span.set_attribute("subgraph.status", status)
            errors = response.get("errors") or ()
            codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors if isinstance(e, dict)})
            if errors:
                span.set_attribute("subgraph.errors", len(errors))
                span.set_attribute("subgraph.error_codes", codes)
            if status == "error":
                span.set_status(Status(StatusCode.ERROR, f"{service}: {codes[0] if codes else 'error'}"))
            return response
