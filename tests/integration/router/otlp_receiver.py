"""A tiny OTLP/HTTP traces receiver for tests: ``POST /v1/traces`` with protobuf bodies, decoded and kept.

Real HTTP on 127.0.0.1, decoded with ``opentelemetry-proto``'s own message classes (installed with the
exporter), so the tests see exactly what a collector would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PROTOBUF = "application/x-protobuf"


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: int
    status_code: int
    attributes: dict[str, Any]


def _value(value: AnyValue) -> Any:
    which = value.WhichOneof("value")
    if which == "array_value":
        return [_value(v) for v in value.array_value.values]
    return getattr(value, which) if which else None


@dataclass
class OtlpReceiver:
    spans: list[ReceivedSpan] = field(default_factory=list)
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def asgi_app(self) -> Starlette:
        async def traces(request: Request) -> Response:
            if request.headers.get("content-type") != PROTOBUF:
                return Response("protobuf only", status_code=415)
            export = ExportTraceServiceRequest()
            export.ParseFromString(await request.body())
            received = []
            for resource_spans in export.resource_spans:
                resource = {a.key: _value(a.value) for a in resource_spans.resource.attributes}
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        received.append(
                            ReceivedSpan(
                                service=str(resource.get("service.name")),
                                name=span.name,
                                trace_id=span.trace_id.hex(),
                                span_id=span.span_id.hex(),
                                parent_span_id=span.parent_span_id.hex(),
                                kind=span.kind,
                                status_code=span.status.code,
                                attributes={a.key: _value(a.value) for a in span.attributes},
                            )
                        )
            with self._lock:
                self.requests += 1
                self.spans.extend(received)
            return Response(ExportTraceServiceResponse().SerializeToString(), media_type=PROTOBUF)

        return Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])

    def of(self, service: str) -> list[ReceivedSpan]:
        with self._lock:
            return [s for s in self.spans if s.service == service]
