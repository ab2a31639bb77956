"""Where the router and subgraphs send spans: router.yaml's telemetry section and the OpenTelemetry environment."""

from __future__ import annotations

import pytest

from router.server.config import parse_router_config
from router.server.tracing import router_tracing
from servicekit.tracing import TracingSettings, traces_url

pytestmark = pytest.mark.router


def otlp(**values: object) -> dict[str, object]:
    return {"telemetry": {"exporters": {"tracing": {"otlp": values}}}}


def test_the_standard_variables_configure_tracing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "users-eu")
    settings = TracingSettings()
    assert settings.traces_endpoint() == "http://collector:4318/v1/traces"
    assert settings.service_name == "users-eu"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom")
    assert TracingSettings().traces_endpoint() == "http://traces:9999/custom"
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert TracingSettings().traces_endpoint() is None


def test_our_prefixed_names_are_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.setenv("MARKETPLACE_OTLP_ENDPOINT", "http://collector:4318")
    assert TracingSettings().traces_endpoint() == "http://collector:4318/v1/traces"


def test_tracing_is_off_without_an_endpoint() -> None:
    assert TracingSettings(otlp_endpoint=None).traces_endpoint() is None
    assert TracingSettings(otlp_endpoint="http://c:4318", traces_exporter="none").traces_endpoint() is None
    assert router_tracing(parse_router_config({}).telemetry, TracingSettings()) is None
    assert router_tracing(parse_router_config({}).telemetry, None) is None


def test_traces_url_adds_the_path_once() -> None:
    assert traces_url("http://c:4318") == "http://c:4318/v1/traces"
    assert traces_url("http://c:4318/v1/traces/") == "http://c:4318/v1/traces"


@pytest.mark.parametrize(
    ("raw", "settings", "endpoint", "service"),
    [
        (otlp(enabled=True), None, "http://127.0.0.1:4318/v1/traces", "router"),
        (otlp(enabled=True), TracingSettings(otlp_endpoint="http://env:4318"), "http://env:4318/v1/traces", "router"),
        (
            otlp(enabled=True, endpoint="http://yaml:4318"),
            TracingSettings(otlp_endpoint="http://env:4318", service_name="edge"),
            "http://yaml:4318/v1/traces",
            "edge",
        ),
        ({}, TracingSettings(otlp_traces_endpoint="http://env:1/t"), "http://env:1/t", "router"),
        (
            {"telemetry": {"exporters": {"tracing": {"common": {"service_name": "gw"}, "otlp": {"enabled": True}}}}},
            TracingSettings(service_name="edge"),
            "http://127.0.0.1:4318/v1/traces",
            "gw",
        ),
    ],
)
def test_router_endpoint_and_service_name(
    raw: dict[str, object], settings: TracingSettings | None, endpoint: str, service: str
) -> None:
    tracing = router_tracing(parse_router_config(raw).telemetry, settings)
    assert tracing is not None
    try:
        assert tracing.endpoint == endpoint
        assert tracing.provider.resource.attributes["service.name"] == service
    finally:
        tracing.shutdown()


def test_otel_sdk_disabled_wins_over_router_yaml() -> None:
    telemetry = parse_router_config(otlp(enabled=True)).telemetry
    assert router_tracing(telemetry, TracingSettings(sdk_disabled=True)) is None
