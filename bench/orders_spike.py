"""A spike of order submissions at a fixed rate against the real orders stack, with workers running.

    uv run python bench/orders_spike.py [--rate 200] [--duration 15] [--threads 4]

It starts, each in its own process: the products subgraph, the orders subgraph and one orders
worker (Dramatiq, ``--threads`` threads, with its sweeper), on a fresh database of the given
PostgreSQL (``BENCH_DATABASE_URL``, else ``TEST_DATABASE_URL``, else the local server) and the given
broker (``BENCH_BROKER_URL``, else Redis on 127.0.0.1:6379 under a key namespace of its own). Then it
submits ``createOrder`` at ``--rate`` per second for ``--duration`` seconds (open loop: latency is
measured from each request's scheduled time), samples the queue depth twice a second until the
backlog drains (at most ``--drain`` seconds), and prints acceptance latency p50/p99, accepted/s,
processed/s, the depth over time, and ``lost`` (accepted ids missing from the database, or still
PENDING after the drain) which must be 0. A PNG of the depth goes to ``bench/results/``.

Beside it, the same machine's ceiling for plain single-row inserts (an asyncpg loop of autocommit
``INSERT``s, on 1 connection and on 8), and the ratio of accepted/s to that ceiling.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from subgraphs.common.auth import TokenVerifier  # noqa: E402
from subgraphs.common.keys import KeyRing  # noqa: E402
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


# --- the benchmark -----------------------------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    errors: int = 0
    samples: list[tuple[float, int, int, int]] = field(default_factory=list)  # t, broker depth, pending, done


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spawn(role: str, settings_json: str, jwks: str, port: int = 0) -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--role", role, "--settings", settings_json, "--jwks", jwks]
    command += ["--port", str(port)]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL)


async def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


def token(ring: KeyRing, user_id: str) -> str:
    now = int(time.time())
    claims = {"iss": "marketplace-users", "aud": "marketplace", "sub": user_id, "role": "USER",
              "iat": now, "exp": now + 3600, "jti": str(uuid.uuid4())}  # fmt: skip
    return ring.sign(claims)


async def insert_ceiling(dsn: str, seconds: float, connections: int) -> float:
    """Autocommit single-row inserts per second, ``connections`` loops in parallel."""
    pool = [await asyncpg.connect(dsn) for _ in range(connections)]
    await pool[0].execute(
        "CREATE TABLE IF NOT EXISTS bench_insert (id uuid PRIMARY KEY, buyer text, body text, "
        "created_at timestamptz DEFAULT now())"
    )
    count = 0
    deadline = time.monotonic() + seconds

    async def loop(connection: asyncpg.Connection) -> None:
        nonlocal count
        while time.monotonic() < deadline:
            await connection.execute(
                "INSERT INTO bench_insert (id, buyer, body) VALUES ($1, $2, $3)", uuid.uuid4(), "buyer", "x" * 80
            )
            count += 1

    started = time.monotonic()
    await asyncio.gather(*(loop(connection) for connection in pool))
    elapsed = time.monotonic() - started
    for connection in pool:
        await connection.close()
    return count / elapsed


async def sample(settings: OrdersSettings, dsn: str, results: Results, stop: asyncio.Event, t0: float) -> None:
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
            results.samples.append((time.monotonic() - t0, ready + delayed, int(row["pending"]), int(row["done"])))
            await asyncio.sleep(0.5)
    finally:
        await connection.close()
        broker.close()


async def spike(url: str, ring: KeyRing, products: list[str], rate: float, duration: float, results: Results) -> float:
    buyers = [str(uuid.uuid4()) for _ in range(50)]
    tokens = {buyer: token(ring, buyer) for buyer in buyers}
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def submit(scheduled: float) -> None:
            buyer = random.choice(buyers)
            items = [{"productId": p, "quantity": random.randint(1, 3)} for p in random.sample(products, 2)]
            variables = {"i": {"items": items, "shippingAddress": "1 Bench Street"}, "k": str(uuid.uuid4())}
            try:
                response = await client.post(
                    f"{url}/graphql",
                    json={"query": CREATE, "variables": variables},
                    headers={"Authorization": f"Bearer {tokens[buyer]}"},
                )
                body = response.json()
                results.accepted.append(body["data"]["createOrder"]["id"])
                results.latencies.append(time.monotonic() - scheduled)
            except Exception:
                results.errors += 1

        total = int(rate * duration)
        started = time.monotonic()
        tasks = []
        for index in range(total):
            scheduled = started + index / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(submit(scheduled)))
        await asyncio.gather(*tasks)
        return time.monotonic() - started


def plot(results: Results, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = [s[0] for s in results.samples]
    figure, axis = plt.subplots(figsize=(9, 4.5))
    axis.plot(times, [s[1] for s in results.samples], label="broker queue depth (messages)")
    axis.plot(times, [s[2] for s in results.samples], label="orders PENDING in the database")
    axis.plot(times, [s[3] for s in results.samples], label="orders processed (cumulative)", linestyle="--")
    axis.set_xlabel("seconds since the spike began")
    axis.set_ylabel("count")
    axis.set_title(title)
    axis.legend()
    axis.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def bench(args: argparse.Namespace) -> int:
    from db.migrate import migrate_all
    from subgraphs.products.settings import ProductsSettings
    from tests.support.databases import asyncpg_dsn, create_database, drop_database

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
        await asyncio.gather(wait_ready(products_url), wait_ready(orders_url))
        seller = str(uuid.uuid4())
        async with httpx.AsyncClient(timeout=30) as client:
            products = []
            for index in range(20):
                product_input = {"name": f"Bench item {index}", "description": "bench", "category": "bench",
                                 "price": {"amount": 100 + index, "currency": "EUR"}, "stock": 10_000_000}  # fmt: skip
                response = await client.post(
                    f"{products_url}/graphql",
                    json={"query": CREATE_PRODUCT, "variables": {"i": product_input}},
                    headers={"Authorization": f"Bearer {token(ring, seller)}"},
                )
                products.append(response.json()["data"]["createProduct"]["id"])
        processes.append(spawn("worker", settings.model_dump_json(), jwks))
        await asyncio.sleep(2.0)  # let the worker connect

        results = Results()
        stop = asyncio.Event()
        t0 = time.monotonic()
        sampler = asyncio.create_task(sample(settings, dsn, results, stop, t0))
        elapsed = await spike(orders_url, ring, products, args.rate, args.duration, results)
        drain_deadline = time.monotonic() + args.drain
        while time.monotonic() < drain_deadline:
            if results.samples and results.samples[-1][2] == 0 and results.samples[-1][0] > elapsed:
                break
            await asyncio.sleep(0.5)
        stop.set()
        await sampler

        connection = await asyncpg.connect(dsn)
        try:
            ids = [uuid.UUID(order_id) for order_id in results.accepted]
            found = await connection.fetch("SELECT id, status FROM orders.orders WHERE id = ANY($1::uuid[])", ids)
            window = await connection.fetchrow(
                "SELECT min(created_at) AS first, max(updated_at) AS last, count(*) AS n "
                "FROM orders.orders WHERE status <> 'PENDING'"
            )
        finally:
            await connection.close()
        statuses = [row["status"] for row in found]
        missing = len(ids) - len(found)
        still_pending = statuses.count("PENDING")
        processed_span = (window["last"] - window["first"]).total_seconds() if window["n"] else float("nan")
        single = await insert_ceiling(dsn, args.insert_seconds, 1)
        parallel = await insert_ceiling(dsn, args.insert_seconds, 8)

        accepted_rate = len(results.accepted) / elapsed
        png = ROOT / "bench" / "results" / "orders_spike.png"
        plot(results, png, f"orders spike: {args.rate:g}/s for {args.duration:g}s, {args.threads} worker threads")
        print(f"spike: {args.rate:g} createOrder/s for {args.duration:g}s ({int(args.rate * args.duration)} sent), "
              f"broker {broker_url.split('@')[-1]}, 1 worker x {args.threads} threads")  # fmt: skip
        print(f"acceptance latency  p50 {percentile(results.latencies, 0.5) * 1000:.1f} ms   "
              f"p99 {percentile(results.latencies, 0.99) * 1000:.1f} ms   "
              f"mean {statistics.fmean(results.latencies) * 1000:.1f} ms")  # fmt: skip
        print(f"accepted            {len(results.accepted)} ({accepted_rate:.1f}/s), errors {results.errors}")
        print(f"processed           {window['n']} in {processed_span:.1f}s ({window['n'] / processed_span:.1f}/s); "
              f"statuses {dict((s, statuses.count(s)) for s in sorted(set(statuses)))}")  # fmt: skip
        print(f"lost                {missing + still_pending} (missing {missing}, still PENDING {still_pending})")
        print("queue depth over time (s: broker messages / DB pending / processed):")
        for t, depth, pending, done in results.samples[:: max(1, len(results.samples) // 20)]:
            print(f"  {t:5.1f}s  {depth:6d}  {pending:6d}  {done:6d}")
        print(f"plain INSERT ceiling  1 connection {single:.0f}/s   8 connections {parallel:.0f}/s")
        print(
            f"ratio accepted/ceiling  {accepted_rate / single:.2f} (1 conn)   {accepted_rate / parallel:.2f} (8 conns)"
        )
        print(f"plot                {png.relative_to(ROOT)}")
        return 0 if missing + still_pending == 0 and results.errors == 0 else 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        if settings is not None:
            await _purge_redis(settings)
        await drop_database(server, database_url)


async def _purge_redis(settings: OrdersSettings) -> None:
    if settings.effective_broker_url.startswith("amqp"):
        return
    import redis

    client = redis.Redis.from_url(settings.effective_broker_url)
    keys = list(client.scan_iter(match=f"{settings.broker_namespace}:*"))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=80.0, help="createOrder requests per second")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of the spike")
    parser.add_argument("--drain", type=float, default=25.0, help="at most this long to wait for the backlog")
    parser.add_argument("--threads", type=int, default=4, help="worker threads")
    parser.add_argument("--insert-seconds", type=float, default=3.0, help="seconds of each INSERT ceiling loop")
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
