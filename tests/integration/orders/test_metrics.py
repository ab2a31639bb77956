"""The orders service and worker export orders by status, worker throughput and database pool use.

Read over HTTP from the real app and the worker's own /metrics server, while real orders move
through PostgreSQL and the broker.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from db.engine import close_engine, create_engine
from subgraphs.orders.status_metrics import OrdersByStatus
from subgraphs.orders.worker_metrics import serve_metrics
from tests.integration.orders.conftest import StackFactory
from tests.integration.orders.harness import OrdersStack
from tests.integration.orders.products import Products
from tests.support.servers import free_port

pytestmark = [pytest.mark.orders, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[3]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(url: str) -> Samples:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def counts_by_status(stack: OrdersStack) -> dict[str, float]:
    """The orders table's own counts: the truth the gauge must show (it counts every order in the
    database, and this test's database is shared with the tests before it)."""
    rows = await stack.rows("SELECT status, count(*) AS n FROM orders.orders GROUP BY status")
    return {str(row.status): float(row.n) for row in rows}


def gauge(samples: Samples) -> dict[str, float]:
    return {
        dict(labels)["status"]: number
        for (name, labels), number in samples.items()
        if name == "orders_by_status" and number
    }


async def test_orders_by_status_and_worker_jobs_follow_real_orders(
    orders_stack: StackFactory, products: Products, database_url: str
) -> None:
    """The worker's relay also publishes what earlier tests left due in the shared database (into this
    stack's queue), so other orders may change status while this test runs: the gauge is compared with
    the table's counts at moments when no worker runs, and this test's two orders are followed by id."""
    buyer = str(uuid.uuid4())
    lamp = await products.add(stock=5, price=1000)
    async with orders_stack(status_metrics_refresh_seconds=0) as stack:
        before = await scrape(f"{stack.url}/metrics")
        statuses = {labels for name, labels in before if name == "orders_by_status"}
        assert len(statuses) == 8  # every status, a zero included, so no series has gaps
        assert gauge(before) == await counts_by_status(stack)
        confirmed = await stack.create(buyer, [(lamp, 1)])
        rejected = await stack.create(buyer, [(str(uuid.uuid4()), 1)])
        pending = await scrape(f"{stack.url}/metrics")
        assert (
            value(pending, "orders_by_status", status="PENDING")
            == value(before, "orders_by_status", status="PENDING") + 2
        )
        assert gauge(pending) == await counts_by_status(stack)

        server = serve_metrics(0, "127.0.0.1")
        worker_url = f"http://127.0.0.1:{server.server_port}/metrics"
        try:
            jobs_before = await scrape(worker_url)  # before the worker starts on the orders waiting
            worker = stack.start_worker()
            outcome = await stack.wait_processed([confirmed["id"], rejected["id"]])
            assert outcome == {confirmed["id"]: "CONFIRMED", rejected["id"]: "REJECTED"}
            jobs = await scrape(worker_url)
            stack.stop_workers()  # no status changes from here on
        finally:
            server.shutdown()
            server.server_close()
        for result in ("confirmed", "rejected"):
            key = {"task": "process", "outcome": result}
            assert (
                value(jobs, "order_worker_jobs_total", **key)
                >= value(jobs_before, "order_worker_jobs_total", **key) + 1
            ), result
        assert value(jobs, "db_pool_size", pool="orders-worker") == worker.settings.database_pool_size

        after = await scrape(f"{stack.url}/metrics")
        assert gauge(after) == await counts_by_status(stack)
        for status in ("CONFIRMED", "REJECTED"):  # at least this test's order; others may have moved too
            assert (
                value(after, "orders_by_status", status=status) >= value(before, "orders_by_status", status=status) + 1
            )
        assert value(after, "orders_by_status_refresh_failures_total") == 0


async def test_pool_gauges_show_connections_checked_out(orders_stack: StackFactory, database_url: str) -> None:
    async with orders_stack(database_pool_size=7, accept_pool_size=3) as stack:
        samples = await scrape(f"{stack.url}/metrics")
        assert value(samples, "db_pool_size", pool="orders") == 7
        assert value(samples, "db_pool_max", pool="orders") == 7 + 10  # the default overflow
        assert value(samples, "db_pool_max", pool="orders-accept") == 3  # no overflow on that path

        probe = create_engine(database_url, pool_size=2, max_overflow=1, pool_name="metrics-probe")
        try:
            async with probe.connect() as first, probe.connect() as second, probe.connect() as third:
                for connection in (first, second, third):
                    await connection.exec_driver_sql("SELECT 1")
                busy = await scrape(f"{stack.url}/metrics")
            idle = await scrape(f"{stack.url}/metrics")
        finally:
            await probe.dispose()
        assert value(busy, "db_pool_checked_out", pool="metrics-probe") == 3
        assert value(busy, "db_pool_overflow", pool="metrics-probe") == 1
        assert value(busy, "db_pool_max", pool="metrics-probe") == 3
        assert value(idle, "db_pool_checked_out", pool="metrics-probe") == 0
        assert value(idle, "db_pool_size", pool="metrics-probe") == 2


WORKER = (
    "import sys; from subgraphs.orders.settings import OrdersSettings as S; from subgraphs.orders.worker import main; "
)
WORKER += "sys.exit(main(S.model_validate_json(sys.argv[1])))"


async def test_a_two_process_worker_serves_the_sum_of_its_processes(
    orders_stack: StackFactory, products: Products, tmp_path: Path
) -> None:
    """``marketplace worker`` with two processes: its supervisor's /metrics counts what both did."""
    lamp = await products.add(stock=50, price=100)
    port = free_port()
    async with orders_stack() as stack:
        settings = stack.settings.model_copy(update={"worker_processes": 2, "worker_metrics_port": port})
        last_event = (await stack.rows("SELECT coalesce(max(id), 0) AS id FROM orders.order_events"))[0].id
        log = (tmp_path / "worker.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, settings.model_dump_json()], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            url = f"http://127.0.0.1:{port}/metrics"
            await stack.wait_until(lambda: answers(url), 30, "the worker's /metrics")
            created = [await stack.create(str(uuid.uuid4()), [(lamp, 1)]) for _ in range(6)]
            outcome = await stack.wait_processed([order["id"] for order in created])
            assert set(outcome.values()) == {"CONFIRMED"}
            # Its sweeper also takes up orders earlier tests left pending in this database: the count
            # must match every confirmation written since it started, once it has none in hand.
            counted: list[float] = []

            async def settled() -> bool:
                samples = await scrape(url)
                counted.append(value(samples, "order_worker_jobs_total", task="process", outcome="confirmed"))
                rows = await stack.rows(
                    "SELECT count(*) AS n FROM orders.order_events WHERE id > :last AND status = 'CONFIRMED'",
                    last=last_event,
                )
                return counted[-1] == int(rows[0].n)

            await stack.wait_until(settled, 30, "the count to match the confirmations written")
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            finally:
                if process.poll() is None:
                    process.kill()
                log.close()
        assert counted[-1] >= 6
        assert process.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]


async def answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(url)).status_code == 200
    except httpx.TransportError:
        return False


async def test_a_failed_status_count_is_counted_and_not_retried_before_the_interval() -> None:
    registry = CollectorRegistry()
    unreachable = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/none", pool_name="unreachable")
    by_status = OrdersByStatus(registry, lambda: unreachable, refresh_seconds=3600, timeout_ms=500)
    try:
        await by_status.refresh()
        await by_status.refresh()  # within the interval: the database is not asked again
    finally:
        await close_engine(unreachable)
    assert registry.get_sample_value("orders_by_status_refresh_failures_total") == 1
    assert registry.get_sample_value("orders_by_status", {"status": "PENDING"}) is None  # no made-up zero
