"""The order worker's metrics: ``order_worker_jobs_total{task, outcome}``, served by ``marketplace worker``.

The worker has no HTTP server of its own, so with ``ORDERS_WORKER_METRICS_PORT`` set it serves
prometheus_client's plain ``/metrics`` server on that port. With ``worker_processes`` above 1 the
supervisor serves it and the processes write prometheus_client's multiprocess files into a folder
the supervisor made (``PROMETHEUS_MULTIPROC_DIR``, set before they are spawned), so one scrape sums
every process, and a process that died keeps its counts. The pool gauges of :mod:`servicekit.pool_metrics`
are only in the single-process output (a pool lives in one process; the supervisor has none).

Outcomes of ``process``: ``confirmed``, ``rejected``, ``skipped`` (duplicate delivery or the order
moved on), ``retried`` (raised; Dramatiq retries it) and ``failed`` (out of retries, order FAILED).
Of ``release``: ``released``, ``skipped`` and ``retried``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, Counter, multiprocess, start_http_server

from servicekit.pool_metrics import DatabasePoolCollector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

JOBS = Counter("order_worker_jobs", "Order tasks the worker finished, by task and outcome", ["task", "outcome"])

_pool_collector: DatabasePoolCollector | None = None


def count_job(task: str, outcome: str) -> None:
    JOBS.labels(task, outcome).inc()


def serve_metrics(port: int, host: str) -> WSGIServer:
    """Serve ``/metrics`` on ``host:port`` (0: any free port): every process's counts in multiprocess mode."""
    global _pool_collector
    if MULTIPROC_ENV in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        server, _ = start_http_server(port, addr=host, registry=registry)
        return server
    if _pool_collector is None:
        _pool_collector = DatabasePoolCollector()
        REGISTRY.register(_pool_collector)
    server, _ = start_http_server(port, addr=host, registry=REGISTRY)
    return server


@contextlib.contextmanager
def multiprocess_folder() -> Iterator[str]:
    """A fresh folder for the processes' metric files, named in the environment the children inherit."""
    folder = tempfile.mkdtemp(prefix="orders-worker-metrics-")
    previous = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = folder
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = previous
        shutil.rmtree(folder, ignore_errors=True)
