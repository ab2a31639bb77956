"""``marketplace worker``: Dramatiq worker processes for order tasks, each with its sweeper.

``main(settings)`` runs ``worker_processes`` processes (this one when it is 1) of
``worker_threads`` threads each. Every process also runs the outbox relay/sweeper on its event
loop (several are safe together). SIGTERM/SIGINT stop consuming, let running tasks finish, then
exit; a task cut short is redelivered and, being idempotent, done once.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from types import FrameType

import dramatiq

from servicekit.observability import configure_logging
from subgraphs.orders.actors import declare_actors
from subgraphs.orders.queue import BrokerPublisher, build_broker, is_rabbitmq
from subgraphs.orders.runtime import StockFactory, WorkerRuntime, http_stock_client
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.worker_metrics import multiprocess_folder, serve_metrics

log = logging.getLogger(__name__)
STOP_TIMEOUT_MS = 30_000


class OrderWorker:
    """One process's worth of workers: broker consumers, the runtime, and the sweeper."""

    def __init__(
        self, settings: OrdersSettings, *, stock_factory: StockFactory = http_stock_client, sweeper: bool = True
    ) -> None:
        self.settings = settings
        self.broker = build_broker(settings)
        self.publisher = BrokerPublisher(self.broker, settings.queue_name)
        self.runtime = WorkerRuntime(settings, self.publisher, stock_factory)
        self.sweeper = sweeper
        self.worker: dramatiq.Worker | None = None

    def start(self) -> None:
        self.runtime.start()
        declare_actors(
            self.broker, self.runtime, queue_name=self.settings.queue_name, max_retries=self.settings.max_retries
        )
        self.worker = dramatiq.Worker(self.broker, worker_threads=self.settings.worker_threads, worker_timeout=200)
        self.worker.start()
        if self.sweeper:
            self.runtime.start_sweeper()
        log.info(
            "orders worker consuming %r on %s with %d thread(s)",
            self.settings.queue_name,
            "RabbitMQ" if is_rabbitmq(self.settings.effective_broker_url) else "Redis",
            self.settings.worker_threads,
        )

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=STOP_TIMEOUT_MS)
            self.worker = None
        self.runtime.stop()
        self.broker.close()


def _wait_for_signal() -> None:
    stopping = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    while not stopping.wait(1.0):
        pass


def run_one(settings: OrdersSettings, serve_metrics_here: bool = True) -> int:
    """Run one worker process until SIGTERM/SIGINT (serving /metrics unless its supervisor does)."""
    configure_logging(settings)
    worker = OrderWorker(settings)
    worker.start()
    server = None
    if serve_metrics_here and settings.worker_metrics_port:
        server = serve_metrics(settings.worker_metrics_port, settings.host)
    try:
        _wait_for_signal()
    finally:
        log.info("orders worker stopping")
        if server is not None:
            server.shutdown()
        worker.stop()
    return 0


def _supervise(settings: OrdersSettings) -> int:
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=run_one, args=(settings, False), name=f"orders-worker-{i}")
        for i in range(settings.worker_processes)
    ]
    for child in children:
        child.start()
    stopping = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    while not stopping.is_set():
        for index, child in enumerate(children):
            if not child.is_alive() and not stopping.is_set():
                log.warning("worker process %s exited (%s); starting another", child.name, child.exitcode)
                children[index] = context.Process(target=run_one, args=(settings, False), name=child.name)
                children[index].start()
        time.sleep(0.5)
    for child in children:
        if child.is_alive() and child.pid is not None:
            child.terminate()
    for child in children:
        child.join(STOP_TIMEOUT_MS / 1000 + 5)
        if child.is_alive():
            child.kill()
    return 0


def main(settings: OrdersSettings) -> int:
    """Entry point of ``marketplace worker``: ``worker_processes`` processes of ``worker_threads`` threads."""
    if settings.effective_database_url is None:
        from db.embedded import start_embedded_postgres

        embedded = start_embedded_postgres(settings.data_dir)
        settings = settings.model_copy(update={"database_url": embedded.url()})
    if settings.broker_url is None:
        from servicekit.embedded_redis import start_embedded_redis

        if not settings.embedded_broker_socket.exists():
            start_embedded_redis(settings.data_dir)
    if settings.worker_processes == 1:
        return run_one(settings)
    configure_logging(settings)
    if not settings.worker_metrics_port:
        return _supervise(settings)
    with multiprocess_folder():  # before the children are spawned: they inherit it
        server = serve_metrics(settings.worker_metrics_port, settings.host)
        try:
            return _supervise(settings)
        finally:
            server.shutdown()
