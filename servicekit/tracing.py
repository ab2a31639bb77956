"""OpenTelemetry traces for our HTTP services, exported over OTLP/HTTP, only when an endpoint is configured.

Nothing here runs unless an exporter endpoint is set: without one no tracer provider exists, no
middleware is installed and the OpenTelemetry SDK is not even imported, so an unconfigured process
pays nothing per request.

The configuration is the standard OpenTelemetry environment (``OTEL_EXPORTER_OTLP_ENDPOINT``, a base
URL to which ``/v1/traces`` is added, or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``, the full URL;
``OTEL_SERVICE_NAME``; ``OTEL_SDK_DISABLED`` / ``OTEL_TRACES_EXPORTER=none`` to turn it off), also
accepted with our prefix (``MARKETPLACE_OTLP_ENDPOINT``...). Other ``OTEL_EXPORTER_OTLP_*`` variables
(headers, timeout, compression) are read by the exporter itself.

:class:`TracingMiddleware` gives every HTTP request (except health, readiness and metrics) a server
span that continues the caller's trace from its W3C ``traceparent`` header: the router's subgraph
fetches inject that header, so one trace spans the router and every subgraph it called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.settings import env_field

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

PROPAGATOR = TraceContextTextMapPropagator()
UNTRACED_PATHS = frozenset({"/health", "/ready", "/metrics"})
_TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


class TracingSettings(BaseSettings):
    """Where spans go. Tracing is on only when one of the two endpoints is set."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, frozen=True)

    otlp_endpoint: str | None = env_field(
        None, "OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT", description="OTLP/HTTP base URL; /v1/traces is added"
    )
    otlp_traces_endpoint: str | None = env_field(
        None, "OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", description="full OTLP/HTTP traces URL"
    )
    service_name: str | None = Field(
        default=None, validation_alias=AliasChoices("OTEL_SERVICE_NAME"), description="service.name of the spans"
    )
    sdk_disabled: bool = Field(default=False, validation_alias=AliasChoices("OTEL_SDK_DISABLED"))
    traces_exporter: str = Field(default="otlp", validation_alias=AliasChoices("OTEL_TRACES_EXPORTER"))

    @property
    def disabled(self) -> bool:
        return self.sdk_disabled or self.traces_exporter.strip().lower() == "none"

    def traces_endpoint(self) -> str | None:
        """The URL spans are posted to, or ``None`` when tracing is off."""
        if self.disabled:
            return None
        if self.otlp_traces_endpoint:
            return self.otlp_traces_endpoint
        if self.otlp_endpoint:
            return traces_url(self.otlp_endpoint)
        return None


def traces_url(base: str) -> str:
    """``base`` with the OTLP traces path added (kept if already there), as the OpenTelemetry spec says."""
    base = base.rstrip("/")
    return base if base.endswith("/v1/traces") else f"{base}/v1/traces"


@dataclass(frozen=True)
class Tracing:
    """One process's tracer provider (with its OTLP exporter) and the tracer our code uses."""

    provider: TracerProvider
    tracer: Tracer
    endpoint: str

    def flush(self, timeout_millis: int = 10_000) -> bool:
        return bool(self.provider.force_flush(timeout_millis))

    def shutdown(self) -> None:
        """Export what is buffered, then stop; called when the app stops."""
        self.provider.shutdown()


def start_tracing(endpoint: str, service_name: str, *, headers: Mapping[str, str] | None = None) -> Tracing:
    """A tracer provider of its own (not the global one) exporting in batches to ``endpoint``.

    A provider per app, not OpenTelemetry's process-global one, so several apps in one process (as
    in the tests) each name their own service.
    """
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    exporter = OTLPSpanExporter(endpoint=endpoint, headers=dict(headers) if headers else None)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return Tracing(provider=provider, tracer=provider.get_tracer("marketplace"), endpoint=endpoint)


def tracing_from_settings(settings: TracingSettings, default_service_name: str) -> Tracing | None:
    endpoint = settings.traces_endpoint()
    if endpoint is None:
        return None
    return start_tracing(endpoint, settings.service_name or default_service_name)


SpanFinisher = Callable[[Span, int], None]


class TracingMiddleware:
    """A server span per HTTP request, continuing the trace in the request's ``traceparent``.

    The span is current while the app runs, so spans started below it (the router's subgraph
    fetches) are its children. ``on_end(span, status)`` may add attributes before the span ends.
    """

    def __init__(
        self,
        app: ASGIApp,
        tracer: Tracer,
        *,
        known_paths: frozenset[str] = frozenset(),
        on_end: SpanFinisher | None = None,
    ) -> None:
        self.app = app
        self.tracer = tracer
        self.known_paths = known_paths
        self.on_end = on_end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in UNTRACED_PATHS:
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers") or ()
            if name in _TRACE_HEADERS
        }
        parent = PROPAGATOR.extract(carrier) if carrier else None
        method = scope.get("method", "")
        route = path if path in self.known_paths else None
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with self.tracer.start_as_current_span(
            f"{method} {route}" if route else method,
            context=parent,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path, **({"http.route": route} if route else {})},
        ) as span:
            try:
                await self.app(scope, receive, send_with_status)
            finally:
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))
                if self.on_end is not None:
                    self.on_end(span, status)
