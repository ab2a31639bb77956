"""Per-process cost of the marketplace's own queries, for the capacity model in docs/scaling.md.

    uv run python bench/capacity.py [--seconds 5] [--concurrency 8] [--products 500]

It creates a scratch database on PostgreSQL (``BENCH_DATABASE_URL``, else ``TEST_DATABASE_URL``, else
the local server), migrates and seeds it (``marketplace seed``), starts the platform as a newcomer does
(``marketplace up``: one router, users, products, orders, one worker; embedded Redis as broker), then
drives each case with ``--concurrency`` closed-loop clients for ``--seconds`` seconds and prints, per
case, requests/s, p50/p99 latency and the CPU time each process spent per request (from
``/proc/PID/stat``, summed over every process of a role: ``marketplace up`` runs the router as a
supervisor and one worker process per core), i.e. requests per core-second of the router and of each
subgraph. CPU per request is what sizes replicas: it depends far less on how busy the shared machine
was than requests/s does. Each process's CPU with no request (measured first, ``--seconds`` long) is
printed too, and each case's CPU per request also without it: at low throughput that fixed cost is a
large share of each request.

It also times one argon2id password check with the users subgraph's default settings (every login and
password change pays it), in this process, CPU time per check.

Cases: a ``products`` page at a random offset through the router (router, products, users: the seller
of each item), one ``product`` (a random one of the first 100) through the router (router, products), and
the same ``product`` query sent straight to the products subgraph (the subgraph alone, no router). The
requests differ from one another: the router merges identical queries in flight (inbound and outbound
deduplication, on by default), which would hide most of their cost.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
import asyncpg
from argon2 import PasswordHasher, Type

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.servers import free_port  # noqa: E402
from tests.support.stack import processes_with_marker  # noqa: E402

PAGE = (
    "query Page($offset: Int!) { products(limit: 20, offset: $offset) "
    "{ items { id name price { amount currency } seller { name } } } }"
)
ONE = "query One($id: ID!) { product(id: $id) { id name price { amount currency } stock } }"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cpu_seconds_of(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def role_of(pid: int) -> str | None:
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    if "router" in argv and "serve" in argv:
        return "router"
    if "serve" in argv:
        return argv[argv.index("serve") + 1]
    if "worker" in argv:
        return "worker"
    return None


def processes_by_role(pids: list[int]) -> dict[str, list[int]]:
    """Every process of each role: a router started with ``--workers N`` is N + 1 processes with one
    command line (the supervisor and its workers), and each of them serves part of the requests."""
    roles: dict[str, list[int]] = {}
    for pid in sorted(pids):
        try:
            role = role_of(pid)
        except OSError:  # gone since it was listed
            continue
        if role is not None:
            roles.setdefault(role, []).append(pid)
    return roles


Body = Callable[[], dict[str, object]]


async def drive(url: str, body: Body, seconds: float, clients: int) -> list[float]:
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def client(session: aiohttp.ClientSession) -> None:
        while time.monotonic() < deadline:
            payload = body()
            started = time.perf_counter()
            async with session.post(url, json=payload) as response:
                data = await response.json()
                if response.status != 200 or data.get("errors"):
                    raise RuntimeError(f"{response.status}: {data}")
            latencies.append(time.perf_counter() - started)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(session) for _ in range(clients)))
    return latencies


def measure(
    name: str,
    url: str,
    body: Body,
    pids: dict[str, list[int]],
    idle: dict[str, float],
    args: argparse.Namespace,
) -> None:
    asyncio.run(drive(url, body, 1.0, args.concurrency))  # warm-up: caches, connections, plans
    before = {role: cpu_seconds_of(group) for role, group in pids.items()}
    started = time.monotonic()
    latencies = asyncio.run(drive(url, body, args.seconds, args.concurrency))
    elapsed = time.monotonic() - started
    after = {role: cpu_seconds_of(group) for role, group in pids.items()}
    count = len(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    p50, p99 = quantiles[49] * 1000, quantiles[98] * 1000
    print(f"\n{name}: {count / elapsed:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    for role in sorted(pids):
        spent = after[role] - before[role]
        above_idle = spent - idle[role] * elapsed
        if above_idle > 0.02 * elapsed:
            per_request, net = spent / count, above_idle / count
            print(
                f"  {role:<9} {per_request * 1e3:6.2f} ms CPU/request ({net * 1e3:.2f} above idle)"
                f" = {1 / per_request:6.0f} req per core-second ({1 / net:.0f} above idle)"
            )


def idle_cpu(pids: dict[str, list[int]], seconds: float) -> dict[str, float]:
    """Each role's CPU per second with no request: timers, health checks, the supervisors, hot-reload
    polls. It is paid per process whatever the load, so at low throughput (a busy shared machine) it
    inflates CPU per request; the cases print their figures with and without it."""
    before = {role: cpu_seconds_of(group) for role, group in pids.items()}
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    rates = {role: (cpu_seconds_of(group) - before[role]) / elapsed for role, group in pids.items()}
    print("idle: " + ", ".join(f"{role} {rate * 1e3:.0f} ms CPU/s" for role, rate in sorted(rates.items())))
    return rates


def password_check_cost(checks: int = 20) -> None:
    from subgraphs.users.settings import UsersSettings

    settings = UsersSettings()
    hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
        type=Type.ID,
    )
    stored = hasher.hash("correct horse battery staple")
    started = time.process_time()
    for _ in range(checks):
        hasher.verify(stored, "correct horse battery staple")
    per_check = (time.process_time() - started) / checks
    print(
        f"\nargon2id check (m={settings.argon2_memory_kib} KiB, t={settings.argon2_time_cost}, "
        f"p={settings.argon2_parallelism}): {per_check * 1e3:.1f} ms CPU = {1 / per_check:.0f} logins per core-second"
    )


async def scratch_database(server: str) -> tuple[str, str]:
    name = f"bench_capacity_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name, server.rsplit("/", 1)[0] + "/" + name


async def drop_database(server: str, name: str) -> None:
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def product_ids(router: str) -> list[str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(router, json={"query": "{ products(limit: 100) { items { id } } }"}) as response,
    ):
        data = await response.json()
    return [item["id"] for item in data["data"]["products"]["items"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--products", type=int, default=500)
    args = parser.parse_args()
    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    name, url = asyncio.run(scratch_database(server))
    ports = {service: free_port() for service in ("router", "users", "products", "orders")}
    marker = uuid.uuid4().hex
    env = {key: value for key, value in os.environ.items() if not key.startswith("MARKETPLACE_")}
    env.update({f"MARKETPLACE_{service.upper()}_PORT": str(port) for service, port in ports.items()})
    env.update({"MARKETPLACE_DATABASE_URL": url, "MARKETPLACE_TEST_MARKER": marker, "PYTHONUNBUFFERED": "1"})
    env.update({"MARKETPLACE_LOG_LEVEL": "WARNING"})
    python = [sys.executable, "-m", "marketplace"]
    process = None
    with tempfile.TemporaryDirectory(prefix="bench-capacity-") as data:
        env["MARKETPLACE_DATA_DIR"] = data
        try:
            subprocess.run([*python, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
            subprocess.run(
                [*python, "seed", "--users", "50", "--products", str(args.products)],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            log = Path(data) / "up.log"
            with log.open("w") as output:
                process = subprocess.Popen([*python, "up"], env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
                deadline = time.monotonic() + 120
                while "press Ctrl-C to stop" not in log.read_text():
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("marketplace up did not come up:\n" + log.read_text()[-3000:])
                    time.sleep(0.5)
            pids = processes_by_role(processes_with_marker(marker))
            router = f"http://127.0.0.1:{ports['router']}/graphql"
            products = f"http://127.0.0.1:{ports['products']}/graphql"
            ids = asyncio.run(product_ids(router))
            print(f"{args.concurrency} clients, {args.seconds:g} s per case, {args.products} products; {pids}")
            offsets = range(max(1, args.products - 20))

            def page() -> dict[str, object]:
                return {"query": PAGE, "variables": {"offset": random.choice(offsets)}}

            def one() -> dict[str, object]:
                return {"query": ONE, "variables": {"id": random.choice(ids)}}

            idle = idle_cpu(pids, args.seconds)
            measure("router: products page (router + products + users)", router, page, pids, idle, args)
            measure("router: one product (router + products)", router, one, pids, idle, args)
            measure("products subgraph alone: one product", products, one, pids, idle, args)
            password_check_cost()
        finally:
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(60)
            asyncio.run(drop_database(server, name))


if __name__ == "__main__":
    main()
