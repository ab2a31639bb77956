"""deploy/grafana and deploy/prometheus name only metrics that exist: the ones the processes define with
prometheus_client (read from the code) or, for the few the platform does not export itself, those of a
named exporter. A real router's and subgraph's /metrics output is also parsed, so the code reading
below is checked against what a process really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from db.engine import create_engine
from router.server.metrics import RouterMetrics
from servicekit.observability import ServiceMetrics
from servicekit.pool_metrics import DatabasePoolCollector, pool_figures
from subgraphs.orders.status_metrics import OrdersByStatus
from subgraphs.orders.worker_metrics import JOBS, count_job
from tests.stages import ROOT

pytestmark = pytest.mark.delivery
DEPLOY = ROOT / "deploy"
# Exported by others, named here with who exports them.
EXTERNAL = {
    "up": "Prometheus itself, per scrape target",
    "kube_deployment_status_replicas_available": "kube-state-metrics",
    "kube_deployment_spec_replicas": "kube-state-metrics",
    "rabbitmq_detailed_queue_messages_ready": "RabbitMQ prometheus plugin, /metrics/detailed",
    "rabbitmq_detailed_queue_messages_unacked": "RabbitMQ prometheus plugin, /metrics/detailed",
}
PROMQL_WORDS = {
    "sum", "rate", "irate", "increase", "histogram_quantile", "by", "without", "and", "or", "unless", "on",
    "ignoring", "clamp_min", "clamp_max", "min_over_time", "max_over_time", "avg_over_time", "deriv", "avg",
    "min", "max", "count", "topk", "bool", "offset", "abs", "group_left", "group_right",
}  # fmt: skip
DEFINITION = re.compile(r"(?:Counter|Histogram|Gauge|Summary|CounterMetricFamily|GaugeMetricFamily)\(\s*\"(\w+)\"")


def defined_in_code() -> set[str]:
    """Every sample name the code's metric definitions produce (a histogram's _bucket/_sum/_count...)."""
    names: set[str] = set()
    for folder in ("servicekit", "router", "subgraphs", "marketplace", "db"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in DEFINITION.finditer(path.read_text()):
                base = match.group(1).removesuffix("_total")
                names |= {base, f"{base}_total", f"{base}_bucket", f"{base}_sum", f"{base}_count", f"{base}_created"}
    return names


def metric_names(expression: str) -> set[str]:
    """The metric names of a PromQL expression (label matchers, groupings, strings and numbers removed)."""
    text = re.sub(r'"[^"]*"', "", expression)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    words = set(re.findall(r"(?<![\w.])[A-Za-z_:][\w:]*", text))  # not a unit or exponent after a digit
    return words - PROMQL_WORDS


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "marketplace.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def adapter_expressions() -> list[str]:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "adapter-rules.yaml").read_text())["rules"]
    return [rule["seriesQuery"] for rule in rules]


def test_the_metric_name_reader_finds_names_and_only_names() -> None:
    assert metric_names('sum by (service, le) (rate(http_request_duration_seconds_bucket{a="b"}[5m])) > 0.5') == {
        "http_request_duration_seconds_bucket"
    }
    assert metric_names("up == 0 and kube_deployment_spec_replicas offset 1h") == {
        "up",
        "kube_deployment_spec_replicas",
    }


def test_the_code_reading_matches_what_a_process_exports() -> None:
    router = RouterMetrics()
    router.watch_planner_cache(lambda: (1, 2))
    router.operations.labels("Q", "query", "success").inc()
    router.operation_latency.labels("Q").observe(0.01)
    service = ServiceMetrics("products")
    service.requests.labels("products", "POST", "/graphql", "200").inc()
    service.latency.labels("products", "POST", "/graphql").observe(0.01)
    engine = create_engine(
        "postgresql://nobody@127.0.0.1:1/none", pool_size=5, max_overflow=10, pool_name="reading"
    )  # never connects
    service.registry.register(DatabasePoolCollector())
    OrdersByStatus(service.registry, lambda: None, refresh_seconds=1, timeout_ms=1).gauge.labels("PENDING").set(1)
    count_job("process", "confirmed")
    worker = CollectorRegistry()
    worker.register(JOBS)  # the worker serves the default registry: its own counter and the process's
    exported = {
        sample.name
        for registry in (router.registry, service.registry, worker)
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for sample in family.samples
    }
    code = defined_in_code()
    assert {
        "router_operations_total",
        "router_planner_cache_total",
        "http_request_duration_seconds_bucket",
        "db_pool_checked_out",
        "db_pool_max",
        "orders_by_status",
        "order_worker_jobs_total",
    } <= exported
    assert pool_figures()["reading"] == {"size": 5, "checked_out": 0, "overflow": -5, "max": 15}
    assert engine.url.database == "none"
    assert exported <= code, exported - code


@pytest.mark.parametrize(
    ("source", "expressions"),
    [("grafana", dashboard_expressions), ("alerts", alert_expressions), ("adapter", adapter_expressions)],
)
def test_every_metric_named_is_exported(source: str, expressions: object) -> None:
    assert callable(expressions)
    found = [expression for expression in expressions()]
    assert found, source
    known = defined_in_code() | set(EXTERNAL)
    named = {name for expression in found for name in metric_names(expression)}
    assert named, source
    assert sorted(named - known) == [], source


def test_the_dashboard_covers_operations_subgraphs_services_and_the_queue() -> None:
    named = {name for expression in dashboard_expressions() for name in metric_names(expression)}
    assert {
        "router_operations_total",
        "router_operation_duration_seconds_bucket",
        "router_subgraph_requests_total",
        "router_subgraph_request_duration_seconds_bucket",
        "router_subgraph_errors_total",
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "rabbitmq_detailed_queue_messages_ready",
        "orders_by_status",
        "order_worker_jobs_total",
        "db_pool_checked_out",
        "db_pool_max",
        "db_pool_size",
    } <= named


def test_alerts_cover_error_rate_p99_queue_age_and_a_replica_down() -> None:
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yaml").read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert {"RouterErrorRateHigh", "RouterP99High", "OrdersQueueAgeHigh", "ReplicaDown"} <= set(alerts)
    for rule in alerts.values():
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"]


def test_dashboard_panels_have_unique_ids_and_fit_the_grid() -> None:
    dashboard = json.loads(Path(DEPLOY / "grafana" / "marketplace.json").read_text())
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
