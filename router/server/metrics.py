"""The router's Prometheus metrics, in a registry of its own (served at ``/metrics``).

Operation names are client-chosen, so their label values are bounded: after ``max_operation_names``
distinct names, new ones are counted as ``other``.

The per-request methods (:meth:`RouterMetrics.http_request`, :meth:`RouterMetrics.operation`,
:meth:`RouterMetrics.observe_fetch`, :meth:`RouterMetrics.operation_cache_lookup`) keep the labelled
children they use: ``labels()`` takes a lock, checks and joins the label values on every call,
about as much work as the increment itself, and a request used to make ten such calls.

Under ``router serve --workers N`` (``PROMETHEUS_MULTIPROC_DIR`` set by the supervisor) every worker
writes prometheus_client's multiprocess files and :meth:`RouterMetrics.render` sums them all, so any
worker answers ``/metrics`` for the whole router. The planner-cache counts, read from the planner in
one process, are then copied into a counter by :meth:`RouterMetrics.sync` (every second and before
each scrape). ``router_worker_supergraph`` shows, per worker, which supergraph it runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Children kept per metric at most; label sets past it (say, a flood of odd HTTP methods) still
# count, through ``labels()``, but are not kept.
MAX_KEPT_CHILDREN = 4096


class _Children:
    """The labelled children of one metric, kept by their label values."""

    __slots__ = ("_kept", "_metric")

    def __init__(self, metric: MetricWrapperBase) -> None:
        self._metric = metric
        self._kept: dict[tuple[str, ...], Any] = {}

    def get(self, *values: str) -> Any:
        child = self._kept.get(values)
        if child is None:
            child = self._metric.labels(*values)
            if len(self._kept) < MAX_KEPT_CHILDREN:
                self._kept[values] = child
        return child


class _PlannerCacheCollector(Collector):
    def __init__(self, counts: Callable[[], tuple[int, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        hits, misses = self._counts()
        family = CounterMetricFamily(
            "router_planner_cache", "Lookups in the query planner's own plan cache", labels=["result"]
        )
        family.add_metric(["hit"], hits)
        family.add_metric(["miss"], misses)
        yield family


class RouterMetrics:
    def __init__(self, max_operation_names: int = 500, worker: int | None = None) -> None:
        self.registry = CollectorRegistry()
        self.multiprocess = "PROMETHEUS_MULTIPROC_DIR" in os.environ
        self.worker = str(worker or 0)
        self._planner_counts: Callable[[], tuple[int, int]] | None = None
        self._planner_seen = (0, 0)
        self._planner_counter: Counter | None = None
        self.max_operation_names = max_operation_names
        self._names: set[str] = set()
        self.http_requests = Counter(
            "router_http_requests_total", "HTTP requests", ["method", "path", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "router_http_request_duration_seconds",
            "HTTP request latency",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.operations = Counter(
            "router_operations_total",
            "GraphQL operations by name, type and outcome (success, partial, error, refused)",
            ["operation", "type", "outcome"],
            registry=self.registry,
        )
        self.operation_latency = Histogram(
            "router_operation_duration_seconds",
            "GraphQL operation latency",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.subgraph_requests = Counter(
            "router_subgraph_requests_total", "Requests sent to subgraphs", ["subgraph"], registry=self.registry
        )
        self.subgraph_latency = Histogram(
            "router_subgraph_request_duration_seconds",
            "Subgraph fetch latency",
            ["subgraph"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.subgraph_errors = Counter(
            "router_subgraph_errors_total",
            "Subgraph fetches that failed or returned errors, by error code",
            ["subgraph", "code"],
            registry=self.registry,
        )
        self.operation_cache = Counter(
            "router_operation_cache_total",
            "Operation (parse, validation, plan) cache lookups by query text",
            ["result"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "router_schema_reloads_total", "Supergraph reloads by result", ["result"], registry=self.registry
        )
        self.worker_supergraph = Gauge(
            "router_worker_supergraph",
            "The first 48 bits of the SHA-256 of the supergraph each worker runs (equal when all have reloaded)",
            ["worker"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.execution_limit = Gauge(
            "router_execution_limit",
            "Operations each worker lets execute at once (traffic_shaping.router.adaptive_concurrency)",
            ["worker"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )
        self.operations_queued = Counter(
            "router_operations_queued_total",
            "Operations that waited for the adaptive concurrency limit before executing",
            registry=self.registry,
        )
        self.operations_deduplicated = Counter(
            "router_operations_deduplicated_total",
            "Operations that joined an identical one in flight instead of executing"
            " (traffic_shaping.router.deduplicate_requests)",
            registry=self.registry,
        )
        self.subgraph_deduplicated = Counter(
            "router_subgraph_requests_deduplicated_total",
            "Subgraph fetches that joined an identical request in flight instead of sending one"
            " (traffic_shaping.*.deduplicate_query)",
            ["subgraph"],
            registry=self.registry,
        )
        self.requests_rate_limited = Counter(
            "router_requests_rate_limited_total",
            "Client requests refused with 429 by traffic_shaping.router.global_rate_limit",
            registry=self.registry,
        )
        self.requests_concurrency_limited = Counter(
            "router_requests_concurrency_limited_total",
            "Client requests refused with 503 by traffic_shaping.router.concurrency_limit",
            registry=self.registry,
        )
        self.subgraph_rate_limited = Counter(
            "router_subgraph_requests_rate_limited_total",
            "Subgraph fetches not sent because the subgraph's global_rate_limit was reached",
            ["subgraph"],
            registry=self.registry,
        )
        self.subgraph_retries = Counter(
            "router_subgraph_retries_total",
            "Retries wanted by query fetches that failed unanswered: sent, or refused by the subgraph's"
            " retry budget (traffic_shaping.*.experimental_retry)",
            ["subgraph", "outcome"],
            registry=self.registry,
        )
        self._admission: Callable[[], tuple[int, int]] | None = None
        self._queued_seen = 0
        self._http_requests = _Children(self.http_requests)
        self._http_latency = _Children(self.http_latency)
        self._operations = _Children(self.operations)
        self._operation_latency = _Children(self.operation_latency)
        self._subgraph_requests = _Children(self.subgraph_requests)
        self._subgraph_latency = _Children(self.subgraph_latency)
        self._subgraph_deduplicated = _Children(self.subgraph_deduplicated)
        self._subgraph_rate_limited = _Children(self.subgraph_rate_limited)
        self._subgraph_retries = _Children(self.subgraph_retries)
        self._operation_cache = _Children(self.operation_cache)

    def count_shared_fetch(self, subgraph: str) -> None:
        self._subgraph_deduplicated.get(subgraph).inc()

    def count_rate_limited_fetch(self, subgraph: str) -> None:
        self._subgraph_rate_limited.get(subgraph).inc()

    def count_retry(self, subgraph: str, sent: bool) -> None:
        self._subgraph_retries.get(subgraph, "sent" if sent else "over_budget").inc()

    def watch_planner_cache(self, counts: Callable[[], tuple[int, int]]) -> None:
        if not self.multiprocess:
            self.registry.register(_PlannerCacheCollector(counts))
            return
        self._planner_counts = counts
        self._planner_counter = Counter(
            "router_planner_cache", "Lookups in the query planner's own plan cache", ["result"], registry=self.registry
        )

    def watch_admission(self, read: Callable[[], tuple[int, int]]) -> None:
        """Report the execution gate's (limit, operations that waited so far) at each sync and scrape."""
        self._admission = read

    def _sync_admission(self) -> None:
        if self._admission is None:
            return
        limit, waited = self._admission()
        self.execution_limit.labels(self.worker).set(limit)
        if waited > self._queued_seen:
            self.operations_queued.inc(waited - self._queued_seen)
            self._queued_seen = waited

    def sync(self) -> None:
        """Copy this worker's planner-cache counts into the shared counter, and the execution gate's
        state into its gauge and counter (every second in multiprocess mode, and before each scrape)."""
        self._sync_admission()
        if self._planner_counts is None or self._planner_counter is None:
            return
        counts = self._planner_counts()
        for label, now, seen in zip(("hit", "miss"), counts, self._planner_seen, strict=True):
            # A smaller count than last time: the planner was replaced by a reload and counts from 0.
            added = now - seen if now >= seen else now
            if added:
                self._planner_counter.labels(label).inc(added)
        self._planner_seen = counts

    def loaded_supergraph(self, fingerprint: str) -> None:
        """Record the (hex) fingerprint of the supergraph this worker now runs."""
        self.worker_supergraph.labels(self.worker).set(int(fingerprint[:12], 16))

    def render(self) -> bytes:
        """The Prometheus text of this process, or of every worker in multiprocess mode."""
        if not self.multiprocess:
            self._sync_admission()
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        self.sync()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)

    def operation_label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if name in self._names:
            return name
        if len(self._names) >= self.max_operation_names:
            return "other"
        self._names.add(name)
        return name

    def http_request(self, method: str, path: str, status: int, seconds: float) -> None:
        """One HTTP request (``path`` already bounded to the known paths or ``other``)."""
        self._http_requests.get(method, path, str(status)).inc()
        self._http_latency.get(path).observe(seconds)

    def operation(self, name: str | None, kind: str, outcome: str, seconds: float) -> None:
        """One GraphQL operation, under its bounded name label."""
        label = self.operation_label(name)
        self._operations.get(label, kind, outcome).inc()
        self._operation_latency.get(label).observe(seconds)

    def operation_cache_lookup(self, hit: bool) -> None:
        self._operation_cache.get("hit" if hit else "miss").inc()

    def observe_fetch(self, subgraph: str, seconds: float, response: dict[str, Any]) -> None:
        self._subgraph_requests.get(subgraph).inc()
        self._subgraph_latency.get(subgraph).observe(seconds)
        for error in response.get("errors") or ():
            code = (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None
            self.subgraph_errors.labels(subgraph, str(code or "UNKNOWN")).inc()
