"""The router's OpenTelemetry set-up: which endpoint and service name, and what its request spans say.

Tracing is on when ``telemetry.exporters.tracing.otlp.enabled`` is true in ``router.yaml`` (Apollo
Router's key) or when the OpenTelemetry environment names an endpoint (see
:mod:`servicekit.tracing`); ``OTEL_SDK_DISABLED=true`` turns it off whatever the file says.
"""

from __future__ import annotations

from opentelemetry.trace import Span, Status, StatusCode

from router.server.config import TelemetryConfig
from router.server.observability import current_record
from servicekit.tracing import Tracing, TracingSettings, start_tracing, traces_url

DEFAULT_ENDPOINT = "http://127.0.0.1:4318"
DEFAULT_SERVICE_NAME = "router"


def router_tracing(telemetry: TelemetryConfig, settings: TracingSettings | None) -> Tracing | None:
    """The router's tracer provider, or ``None`` when tracing is off (then nothing is set up)."""
    if settings is not None and settings.disabled:
        return None
    otlp = telemetry.exporters.tracing.otlp
    from_env = settings.traces_endpoint() if settings is not None else None
    if otlp.enabled:
        endpoint = traces_url(otlp.endpoint) if otlp.endpoint != "default" else from_env or traces_url(DEFAULT_ENDPOINT)
    elif from_env is not None:
        endpoint = from_env
    else:
        return None
    name = (
        telemetry.exporters.tracing.common.service_name
        or (settings.service_name if settings is not None else None)
        or DEFAULT_SERVICE_NAME
    )
    return start_tracing(endpoint, name, headers=otlp.http.headers)


def finish_request_span(span: Span, status: int) -> None:
    """Put the request's GraphQL operation(s), outcome and subgraph call count on its span."""
    record = current_record.get()
    if record is None:
        return
    span.set_attribute("request.id", record.request_id)
    if record.operations:
        span.set_attribute("graphql.operation.name", ",".join(record.operations))
    if record.operation_types:
        span.set_attribute("graphql.operation.type", ",".join(record.operation_types))
    if record.outcome:
        span.set_attribute("graphql.outcome", record.outcome)
        if record.outcome == "error" and status < 500:
            span.set_status(Status(StatusCode.ERROR, "the operation failed"))
    span.set_attribute("router.subgraph_calls", record.subgraph_calls)
