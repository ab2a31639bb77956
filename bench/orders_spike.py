"""Order acceptance under load against the real orders stack, with workers running.

    uv run python bench/orders_spike.py [--rate 80] [--duration 10] [--clients 16] [--closed 8]

It starts, each in its own process: the products subgraph, the orders subgraph and one orders
worker (Dramatiq, ``--threads`` threads, with its sweeper), on a fresh database of the given
PostgreSQL (``BENCH_DATABASE_URL``, else ``TEST_DATABASE_URL``, else the local server) and the given
broker (``BENCH_BROKER_URL``, else Redis on 127.0.0.1:6379 under a key namespace of its own). Then:

1. the ceiling: plain single-row autocommit ``INSERT``s from an asyncpg loop, on 1 connection and
   on ``--clients`` connections (the same concurrency as the closed loop), with their latency;
2. open loop: ``createOrder`` at ``--rate`` per second for ``--duration`` seconds, latency measured
   from each request's scheduled time (a slow server cannot hide its queueing);
3. closed loop: ``--clients`` clients each sending ``createOrder`` back to back for ``--closed``
   seconds (the most the stack accepts at that concurrency);
4. drain: wait for the workers until the backlog is gone or the run's time budget (``--budget``,
   60 s) is spent.

It prints acceptance latency p50/p99 and accepted/s for each loop, the ratio to the ceiling at the
same concurrency, processed/s, the queue depth over time (and a PNG of it in ``bench/results/``),
and ``lost``, checked against the database, which must be 0: an accepted order is lost when its row
is missing, or when it is still PENDING without an undone processing task in the outbox (nothing
would ever process it). Orders still queued when the budget ends are reported as the backlog.
``duplicated`` counts orders processed more than once (it must be 0 too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from servicekit.auth import TokenVerifier  # noqa: E402
from servicekit.keys import KeyRing  # noqa: E402
from subgraphs.orders.settings import OrdersSettings  # noqa: E402

SECRET = "orders-bench-internal-secret-0123456789abcdef"  # noqa: S105 (a local, throwaway stack)
CREATE = "mutation C($i: CreateOrderInput!, $k: String) { createOrder(input: $i, idempotencyKey: $k) { id } }"
CREATE_PRODUCT = "mutation P($i: CreateProductInput!) { createProduct(input: $i) { id } }"


# --- child process roles -----------------------------------------------------------------------


def _verifier(jwks: str) -> TokenVerifier:
    return TokenVerifier(issuer="marketplace-users", audience="marketplace", jwks=json.loads(jwks))


def run_role(args: argparse.Namespace) -> int:
    import uvicorn

    if args.role == "worker":
        from subgraphs.orders.worker import main

        return main(OrdersSettings.model_validate_json(args.settings))
    if args.role == "orders":
        from subgraphs.orders.app import create_app

        app = create_app(OrdersSettings.model_validate_json(args.settings), verifier=_verifier(args.jwks))
    else:
        from subgraphs.products.app import create_app as create_products_app
        from subgraphs.products.settings import ProductsSettings

        settings = ProductsSettings.model_validate_json(args.settings)
        app = create_products_app(settings, verifier=_verifier(args.jwks))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


# --- measuring ---------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    errors: int = 0
    started: float = 0.0
    elapsed: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process during the phase

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def summary(self) -> str:
        return (
            f"{self.rate:7.1f}/s  p50 {percentile(self.latencies, 0.5) * 1000:7.1f} ms  "
            f"p99 {percentile(self.latencies, 0.99) * 1000:7.1f} ms  ({len(self.latencies)} in {self.elapsed:.1f}s"
            f"{f', errors {self.errors}' if self.errors else ''})"
        )


@dataclass
class Samples:
    rows: list[tuple[float, int, int, int]] = field(default_factory=list)  # t, broker depth, pending, processed


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its reaped children (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs spent busy (everything but idle and iowait), from ``/proc/stat``."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def spawn(role: str, settings_json: str, jwks: str, port: int = 0) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--role", role, "--settings", settings_json, "--jwks", jwks]
    command += ["--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL)


async def wait_ready(session: aiohttp.ClientSession, url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{url}/ready") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


def token(ring: KeyRing, user_id: str) -> str:
    now = int(time.time())
    claims = {"iss": "marketplace-users", "aud": "marketplace", "sub": user_id, "role": "USER",
              "iat": now, "exp": now + 3600, "jti": str(uuid.uuid4())}  # fmt: skip
    return ring.sign(claims)


async def insert_ceiling(dsn: str, seconds: float, connections: int) -> Phase:
    """Autocommit single-row inserts, ``connections`` closed loops in parallel."""
    phase = Phase(f"INSERT x{connections}")
    pool = [await asyncpg.connect(dsn) for _ in range(connections)]
    await pool[0].execute(
        "CREATE TABLE IF NOT EXISTS bench_insert (id uuid PRIMARY KEY, buyer text, body text, "
        "created_at timestamptz DEFAULT now())"
    )
    deadline = time.monotonic() + seconds

    async def loop(connection: asyncpg.Connection) -> None:
        while time.monotonic() < deadline:
            started = time.monotonic()
            await connection.execute(
                "INSERT INTO bench_insert (id, buyer, body) VALUES ($1, $2, $3)", uuid.uuid4(), "buyer", "x" * 80
            )
            phase.latencies.append(time.monotonic() - started)

    phase.started = time.monotonic()
    await asyncio.gather(*(loop(connection) for connection in pool))
    phase.elapsed = time.monotonic() - phase.started
    for connection in pool:
        await connection.close()
    return phase


async def sample(settings: OrdersSettings, dsn: str, samples: Samples, stop: asyncio.Event, t0: float) -> None:
    from subgraphs.orders.queue import build_broker, queue_depth

    broker = build_broker(settings)
    connection = await asyncpg.connect(dsn)
    try:
        while not stop.is_set():
            ready, delayed, _ = await asyncio.to_thread(queue_depth, broker, settings.queue_name)
            row = await connection.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending, "
                "count(*) FILTER (WHERE status <> 'PENDING') AS done FROM orders.orders"
            )
            samples.rows.append((time.monotonic() - t0, ready + delayed, int(row["pending"]), int(row["done"])))
            await asyncio.sleep(0.5)
    finally:
        await connection.close()
        broker.close()


async def backend_pids(dsn: str) -> list[int]:
    """The PostgreSQL server processes serving the benchmark's database (the server runs on this machine)."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return [int(row["pid"]) for row in rows]


async def measured(phase: Any, pids: dict[str, int], dsn: str) -> Phase:
    """Run a phase and record the CPU seconds each of ``pids``, the database's server processes and the
    whole machine spent meanwhile (a backend born during the phase counts from zero)."""
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    backends = {pid: cpu_seconds(pid) for pid in await backend_pids(dsn)}
    machine = machine_busy_seconds()
    done: Phase = await phase
    done.cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
    after = {pid: cpu_seconds(pid) for pid in await backend_pids(dsn)}
    alive = {pid: seconds for pid, seconds in after.items() if not math.isnan(seconds)}
    done.cpu["postgres"] = sum(seconds - backends.get(pid, 0.0) for pid, seconds in alive.items())
    done.cpu["whole machine"] = machine_busy_seconds() - machine
    return done


class Submitter:
    """Sends ``createOrder`` for random buyers (each with its token) and random pairs of products."""

    def __init__(self, session: aiohttp.ClientSession, url: str, ring: KeyRing, products: list[str]) -> None:
        self.session = session
        self.url = f"{url}/graphql"
        self.products = products
        buyers = [str(uuid.uuid4()) for _ in range(50)]
        self.headers = [{"Authorization": f"Bearer {token(ring, buyer)}"} for buyer in buyers]

    async def submit(self, phase: Phase, since: float | None = None) -> None:
        """One order; latency from ``since`` (the scheduled time) or from the send."""
        started = time.monotonic() if since is None else since
        items = [{"productId": p, "quantity": random.randint(1, 3)} for p in random.sample(self.products, 2)]
        variables = {"i": {"items": items, "shippingAddress": "1 Bench Street"}, "k": str(uuid.uuid4())}
        try:
            async with self.session.post(
                self.url, json={"query": CREATE, "variables": variables}, headers=random.choice(self.headers)
            ) as response:
                body: dict[str, Any] = await response.json()
            phase.accepted.append(body["data"]["createOrder"]["id"])
            phase.latencies.append(time.monotonic() - started)
        except Exception as error:
            phase.errors += 1
            if phase.errors <= 3:
                print(f"{phase.name}: createOrder failed: {error!r}", file=sys.stderr)

    async def open_loop(self, rate: float, duration: float) -> Phase:
        phase = Phase("open loop")
        total = int(rate * duration)
        phase.started = time.monotonic()
        tasks = []
        for index in range(total):
            scheduled = phase.started + index / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.submit(phase, scheduled)))
        await asyncio.gather(*tasks)
        phase.elapsed = time.monotonic() - phase.started
        return phase

    async def closed_loop(self, clients: int, seconds: float) -> Phase:
        phase = Phase("closed loop")
        deadline = time.monotonic() + seconds

        async def client() -> None:
            while time.monotonic() < deadline:
                await self.submit(phase)

        phase.started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(clients)))
        phase.elapsed = time.monotonic() - phase.started
        return phase


def plot(samples: Samples, phases: list[Phase], t0: float, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = [s[0] for s in samples.rows]
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for phase, colour in zip(phases, ("tab:orange", "tab:purple"), strict=False):
        start = phase.started - t0
        axis.axvspan(start, start + phase.elapsed, color=colour, alpha=0.08, label=f"{phase.name} submissions")
    axis.plot(times, [s[1] for s in samples.rows], label="broker queue depth (messages)")
    axis.plot(times, [s[2] for s in samples.rows], label="orders PENDING in the database")
    axis.plot(times, [s[3] for s in samples.rows], label="orders processed (cumulative)", linestyle="--")
    axis.set_xlabel("seconds since the first submission")
    axis.set_ylabel("count")
    axis.set_title(title)
    axis.legend(fontsize="small")
    axis.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


async def check(dsn: str, accepted: list[str]) -> dict[str, Any]:
    """Lost, backlog, duplicated and the processing window, from the database."""
    connection = await asyncpg.connect(dsn)
    transaction = connection.transaction(isolation="repeatable_read", readonly=True)  # one snapshot for all
    await transaction.start()
    try:
        ids = [uuid.UUID(order_id) for order_id in accepted]
        found = await connection.fetchval("SELECT count(*) FROM orders.orders WHERE id = ANY($1::uuid[])", ids)
        stranded = await connection.fetchval(
            "SELECT count(*) FROM orders.orders o WHERE o.id = ANY($1::uuid[]) AND o.status = 'PENDING' "
            "AND NOT EXISTS (SELECT 1 FROM orders.outbox t WHERE t.order_id = o.id AND t.kind = 'process' "
            "AND t.done_at IS NULL)",
            ids,
        )
        backlog = await connection.fetchval("SELECT count(*) FROM orders.orders WHERE status = 'PENDING'")
        duplicated = await connection.fetchval(
            "SELECT count(*) FROM (SELECT order_id FROM orders.order_events WHERE status IN "
            "('CONFIRMED', 'REJECTED', 'FAILED') GROUP BY order_id HAVING count(*) > 1) d"
        )
        statuses = await connection.fetch("SELECT status, count(*) AS n FROM orders.orders GROUP BY status")
        window = await connection.fetchrow(
            "SELECT min(created_at) AS first, max(updated_at) AS last, count(*) AS n "
            "FROM orders.orders WHERE status <> 'PENDING'"
        )
    finally:
        await transaction.rollback()
        await connection.close()
    span = (window["last"] - window["first"]).total_seconds() if window["n"] > 1 else float("nan")
    return {
        "missing": len(ids) - found, "stranded": stranded, "backlog": backlog, "duplicated": duplicated,
        "statuses": {row["status"]: row["n"] for row in statuses}, "processed": window["n"], "span": span,
    }  # fmt: skip


async def bench(args: argparse.Namespace) -> int:
    from db.migrate import migrate_all
    from subgraphs.products.settings import ProductsSettings
    from tests.support.databases import asyncpg_dsn, create_database, drop_database
    from tests.support.servers import free_port

    began = time.monotonic()
    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or ("postgresql://postgres@127.0.0.1:5432/postgres")
    )
    broker_url = os.environ.get("BENCH_BROKER_URL") or "redis://127.0.0.1:6379/0"
    database_url = await create_database(server, prefix="bench_orders")
    dsn = asyncpg_dsn(database_url)
    tag = uuid.uuid4().hex[:8]
    ring = KeyRing.generate()
    jwks = json.dumps(ring.jwks())
    data_dir = Path(tempfile.mkdtemp(prefix="orders-bench-"))
    processes: list[subprocess.Popen[bytes]] = []
    settings: OrdersSettings | None = None
    try:
        await migrate_all({"users": database_url, "products": database_url, "orders": database_url})
        products_port, orders_port = free_port(), free_port()
        products_settings = ProductsSettings(database_url=database_url, data_dir=data_dir, internal_secret=SECRET)
        settings = OrdersSettings(
            database_url=database_url,
            broker_url=broker_url,
            data_dir=data_dir,
            internal_secret=SECRET,
            products_url=f"http://127.0.0.1:{products_port}",
            queue_name=f"orders-bench-{tag}",
            broker_namespace=f"marketplace-bench-{tag}",
            worker_threads=args.threads,
            log_level="WARNING",
        )
        processes.append(spawn("products", products_settings.model_dump_json(), jwks, products_port))
        processes.append(spawn("orders", settings.model_dump_json(), jwks, orders_port))
        products_url, orders_url = f"http://127.0.0.1:{products_port}", f"http://127.0.0.1:{orders_port}"
        connector = aiohttp.TCPConnector(limit=max(256, args.clients))
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
            await asyncio.gather(wait_ready(session, products_url), wait_ready(session, orders_url))
            processes.append(spawn("worker", settings.model_dump_json(), jwks))
            products = await create_products(session, products_url, ring)
            ceilings = [await insert_ceiling(dsn, args.insert_seconds, n) for n in sorted({1, args.clients})]
            submitter = Submitter(session, orders_url, ring, products)
            samples, stop = Samples(), asyncio.Event()
            t0 = time.monotonic()
            sampler = asyncio.create_task(sample(settings, dsn, samples, stop, t0))
            pids = {"orders API": processes[1].pid, "worker": processes[2].pid, "products": processes[0].pid}
            pids["bench client"] = os.getpid()
            open_phase = await measured(submitter.open_loop(args.rate, args.duration), pids, dsn)
            closed_phase = await measured(submitter.closed_loop(args.clients, args.closed), pids, dsn)
            deadline = began + args.budget - 8  # leave time to check, plot and stop
            submitted = closed_phase.started + closed_phase.elapsed - t0
            while time.monotonic() < deadline:
                if samples.rows and samples.rows[-1][2] == 0 and samples.rows[-1][0] > submitted:
                    break
                await asyncio.sleep(0.5)
            stop.set()
            await sampler
        phases = [open_phase, closed_phase]
        result = await check(dsn, open_phase.accepted + closed_phase.accepted)
        png = ROOT / "bench" / "results" / "orders_spike.png"
        title = (
            f"orders: {args.rate:g}/s for {args.duration:g}s (open), then {args.clients} clients for {args.closed:g}s"
        )
        plot(samples, phases, t0, png, title)
        report(args, broker_url, phases, ceilings, samples, result, png)
        lost = result["missing"] + result["stranded"]
        failed = lost or result["duplicated"] or any(phase.errors for phase in phases)
        return 1 if failed else 0
    finally:
        for process in reversed(processes):  # the worker first, while products still answers it
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        if settings is not None:
            await _purge_broker(settings)
        await drop_database(server, database_url)


async def create_products(session: aiohttp.ClientSession, url: str, ring: KeyRing) -> list[str]:
    headers = {"Authorization": f"Bearer {token(ring, str(uuid.uuid4()))}"}
    products = []
    for index in range(20):
        product = {"name": f"Bench item {index}", "description": "bench", "category": "bench",
                   "price": {"amount": 100 + index, "currency": "EUR"}, "stock": 10_000_000}  # fmt: skip
        body = {"query": CREATE_PRODUCT, "variables": {"i": product}}
        async with session.post(f"{url}/graphql", json=body, headers=headers) as response:
            products.append((await response.json())["data"]["createProduct"]["id"])
    return products


def report(
    args: argparse.Namespace,
    broker_url: str,
    phases: list[Phase],
    ceilings: list[Phase],
    samples: Samples,
    result: dict[str, Any],
    png: Path,
) -> None:
    open_phase, closed_phase = phases
    single, same = ceilings[0], ceilings[-1]
    print(f"broker {broker_url.split('@')[-1]}, 1 worker x {args.threads} threads, {os.cpu_count()} CPUs (shared)")
    print(f"plain INSERT ceiling, 1 connection      {single.summary()}")
    print(f"plain INSERT ceiling, {args.clients:2d} connections    {same.summary()}")
    print(f"open loop   {args.rate:g}/s offered for {args.duration:g}s  {open_phase.summary()}")
    print(f"closed loop {args.clients} clients for {args.closed:g}s      {closed_phase.summary()}")
    print(f"ratio       open loop accepted/offered {open_phase.rate / args.rate:.2f}; closed loop accepted/ceiling "
          f"{closed_phase.rate / same.rate:.2f} ({args.clients} conns), "
          f"{closed_phase.rate / single.rate:.2f} (1 conn)")  # fmt: skip
    for phase in phases:
        accepted = max(len(phase.latencies), 1)
        shares = ", ".join(f"{name} {seconds / phase.elapsed:.2f}" for name, seconds in phase.cpu.items())
        print(f"CPU ({phase.name}, cores busy): {shares}; orders API "
              f"{phase.cpu['orders API'] / accepted * 1000:.2f} ms per accepted order")  # fmt: skip
    processed, span = result["processed"], result["span"]
    print(f"processed   {processed} in {span:.1f}s ({processed / span:.1f}/s); statuses {result['statuses']}")
    print(f"backlog     {result['backlog']} still PENDING with their task in the outbox (queued, not lost)")
    print(f"lost        {result['missing'] + result['stranded']} (missing {result['missing']}, PENDING without a "
          f"task {result['stranded']}); duplicated {result['duplicated']}")  # fmt: skip
    print("queue depth over time (s: broker messages / DB pending / processed):")
    for t, depth, pending, done in samples.rows[:: max(1, len(samples.rows) // 20)]:
        print(f"  {t:5.1f}s  {depth:6d}  {pending:6d}  {done:6d}")
    print(f"plot        {png.relative_to(ROOT)}")


async def _purge_broker(settings: OrdersSettings) -> None:
    """Delete the run's queues (RabbitMQ) or keys (Redis): the brokers are shared."""
    if settings.effective_broker_url.startswith("amqp"):
        import pika

        connection = pika.BlockingConnection(pika.URLParameters(settings.effective_broker_url))
        channel = connection.channel()
        for queue in (settings.queue_name, f"{settings.queue_name}.DQ", f"{settings.queue_name}.XQ"):
            channel.queue_delete(queue=queue)
        connection.close()
        return
    import redis

    client = redis.Redis.from_url(settings.effective_broker_url)
    keys = list(client.scan_iter(match=f"{settings.broker_namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=80.0, help="open loop: createOrder requests per second")
    parser.add_argument("--duration", type=float, default=10.0, help="open loop: seconds")
    parser.add_argument("--clients", type=int, default=16, help="closed loop: concurrent clients (and ceiling conns)")
    parser.add_argument("--closed", type=float, default=8.0, help="closed loop: seconds")
    parser.add_argument("--budget", type=float, default=60.0, help="the whole run's seconds, draining included")
    parser.add_argument("--threads", type=int, default=4, help="worker threads")
    parser.add_argument("--insert-seconds", type=float, default=2.0, help="seconds of each INSERT ceiling loop")
    parser.add_argument("--role", choices=["products", "orders", "worker"], help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--jwks", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        return run_role(args)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
