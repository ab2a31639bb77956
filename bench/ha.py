"""High availability, measured: each fault injected into ``marketplace up --replicas 2`` behind nginx,
under mixed load through the HTTPS front, and what it cost.

    uv run python bench/ha.py [--seconds 12]

It starts the chaos platform of the tests (tests/chaos/platform.py: a database of its own on
``BENCH_DATABASE_URL``, else ``TEST_DATABASE_URL``, else the local server; a private Redis as the
broker), then for each fault runs ``--seconds`` of load (GraphQL and REST reads, logins, orders with
an Idempotency-Key; the client retries once on 502/503/504 or no answer), injects the fault after
2 s, and prints one table row: seconds to recover, requests sent, operations failed after the retry,
answers that were not 2xx at the first try, and accepted orders lost (checked in the database).

Seconds to recover: a killed process answering ``/ready`` again (a worker: started again); the rolling
restart: every instance restarted; the database: the first order accepted after every connection was
terminated; the broker (down 5 s): every order accepted meanwhile processed after it is back.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.chaos.checks import check_orders, kill_and_time_recovery
from tests.chaos.history import History
from tests.chaos.load import Load
from tests.chaos.platform import ChaosPlatform, PrivateRedis, running_chaos_platform

Fault = Callable[[ChaosPlatform, Load], Awaitable[float]]


@dataclass
class Row:
    fault: str
    recover_seconds: float
    requests: int
    failed: int
    first_try_non_2xx: int
    lost: int


def kill(*names: str) -> Fault:
    async def inject(chaos: ChaosPlatform, _: Load) -> float:
        times = await kill_and_time_recovery(chaos, list(names))
        return max(times.values()) if len(times) == len(names) else float("inf")

    return inject


async def rolling_restart(chaos: ChaosPlatform, _: Load) -> float:
    done_before = sum("rolling restart done" in line for line in chaos.stack.lines)
    env = {**os.environ, "MARKETPLACE_DATA_DIR": str(chaos.stack.data_dir)}
    started = time.monotonic()
    command = [sys.executable, "-m", "marketplace", "restart"]
    await asyncio.to_thread(subprocess.run, command, env=env, check=True, capture_output=True)
    while sum("rolling restart done" in line for line in chaos.stack.lines) == done_before:
        if time.monotonic() - started > 90:
            return float("inf")
        await asyncio.sleep(0.2)
    return time.monotonic() - started


async def terminate_connections(chaos: ChaosPlatform, load: Load) -> float:
    started = time.monotonic()
    await chaos.rows(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :db AND pid <> pg_backend_pid()",
        db=chaos.database,
    )
    while time.monotonic() - started < 30:
        if any(op.kind == "order" and op.outcome == "ok" and op.started > started for op in load.history.operations):
            return time.monotonic() - started
        await asyncio.sleep(0.05)
    return float("inf")


async def broker_outage(chaos: ChaosPlatform, load: Load) -> float:
    chaos.broker.kill()
    await asyncio.sleep(5)
    chaos.broker.start()
    back = time.monotonic()
    accepted = set(load.history.accepted_orders())
    while time.monotonic() - back < 60:
        rows = await chaos.rows(
            "SELECT count(*) AS n FROM orders.orders WHERE id::text = ANY(:ids) AND status = 'PENDING'",
            ids=sorted(accepted),
        )
        if rows[0].n == 0:
            return time.monotonic() - back
        await asyncio.sleep(0.2)
    return float("inf")


FAULTS: list[tuple[str, Fault]] = [
    ("kill -9 one router", kill("router-1")),
    ("kill -9 one users instance", kill("users-1")),
    ("kill -9 one products instance", kill("products-2")),
    ("kill -9 one orders instance", kill("orders-1")),
    ("kill -9 one worker", kill("worker-1")),
    ("kill -9 one of each at once", kill("router-2", "users-2", "products-1", "orders-2", "worker-2")),
    ("rolling restart of every instance", rolling_restart),
    ("pg_terminate_backend on every connection", terminate_connections),
    ("broker (Redis) down 5 s", broker_outage),
]


async def measure(chaos: ChaosPlatform, name: str, fault: Fault, seconds: float) -> Row:
    load = Load(chaos.front, chaos.cafile, chaos.catalogue, max_requests=5000)
    running = asyncio.create_task(load.run(seconds + 90))
    await asyncio.sleep(2)
    started = time.monotonic()
    recover = await fault(chaos, load)
    await asyncio.sleep(max(0.0, seconds - 2 - (time.monotonic() - started)))
    load.stopping.set()
    history: History = await running
    report = await check_orders(chaos, history)
    failed = sum(1 for op in history.operations if op.outcome != "ok")
    for op in history.operations:
        if op.outcome != "ok" or not 200 <= op.first_status < 300:
            print(
                f"    {op.kind}: first {op.first_status} {op.first_error}, then {op.status} {op.error[:120]}",
                file=sys.stderr,
            )
    return Row(name, recover, history.requests, failed, history.non_2xx_seen(), report.lost)


def table(rows: list[Row]) -> str:
    lines = [
        "| fault | seconds to recover | requests | failed after the retry | non-2xx at first try | orders lost |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.fault} | {row.recover_seconds:.1f} | {row.requests} | {row.failed} "
            f"| {row.first_try_non_2xx} | {row.lost} |"
        )
    return "\n".join(lines)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=12.0, help="load per fault (the fault comes at 2 s)")
    parser.add_argument("--only", default="", help="run only the faults whose name contains this")
    args = parser.parse_args()
    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    with tempfile.TemporaryDirectory(prefix="bench-ha-") as folder:
        broker = PrivateRedis(Path(folder))
        broker.start()
        try:
            async with running_chaos_platform(server, Path(folder) / "data", broker) as chaos:
                rows = []
                for name, fault in [(n, f) for n, f in FAULTS if args.only in n]:
                    rows.append(await measure(chaos, name, fault, args.seconds))
                    print(f"  {name}: done", file=sys.stderr)
        finally:
            broker.kill()
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
