"""Federated subscriptions at scale: how many one router holds, change-to-client latency, memory per subscription.

    uv run python bench/subscriptions.py [--subscriptions 2000] [--connections 20] [--rounds 5] [--singles 40]

It starts, each in its own process: the products subgraph, the orders subgraph (its LISTEN/NOTIFY
hub) and the router (over a supergraph composed from the three subgraphs' SDLs), on a fresh
database of the given PostgreSQL (``BENCH_DATABASE_URL``, else ``TEST_DATABASE_URL``, else the local
server). It creates ``--subscriptions`` orders (``--connections`` buyers, one WebSocket each, an equal
share of the orders each) and subscribes to every order through the router over
``graphql-transport-ws``:

    subscription { orderUpdated(id: …) { id status updatedAt items { quantity product { name } } } }

so every event costs the router a subgraph event AND an entity fetch to products (the federated path).

Then it measures:

1. **memory per subscription**: the router's and the orders subgraph's RSS with every subscription
   open, minus their RSS before (after warming up with one subscription), divided by the count;
2. **single change latency** (``--singles`` times, one order at a time): the time from the
   ``UPDATE`` of the order's status (committed; the trigger's NOTIFY is delivered on commit) to the
   event at the client, p50/p99;
3. **burst latency** (``--rounds`` times): ONE statement changes the status of every order at
   once; the latency of each of the N events from that commit, p50/p99, and the time until the last;
4. **@defer** (``--defers`` times): time to the first part and to the last of
   ``order { id status ... @defer { items { quantity product { name } } } }`` over multipart, against
   the same query without ``@defer``.

Status changes are SQL updates toggling ``CONFIRMED``/``PAID``: they fire the same trigger as the
API's and the worker's transactions, without the state machine's one-way rules. It exits 1 if an
event is missing or a subscription was refused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from bench.orders_spike import cpu_seconds, create_products, percentile, token, wait_ready  # noqa: E402
from servicekit.auth import TokenVerifier  # noqa: E402
from servicekit.keys import KeyRing  # noqa: E402

SECRET = "subscriptions-bench-internal-secret-0123456789"  # noqa: S105 (a local, throwaway stack)
TRACK = "subscription T($id: ID!) { orderUpdated(id: $id) { id status updatedAt items { quantity product { name } } } }"
CREATE = "mutation C($i: CreateOrderInput!) { createOrder(input: $i) { id } }"


ROLES = ("products", "orders", "router")


def run_role(args: argparse.Namespace) -> int:
    import uvicorn

    verifier = TokenVerifier(issuer="marketplace-users", audience="marketplace", jwks=json.loads(args.jwks))
    if args.role == "orders":
        from subgraphs.orders.app import create_app
        from subgraphs.orders.settings import OrdersSettings

        app: Any = create_app(OrdersSettings.model_validate_json(args.settings), verifier=verifier)
    elif args.role == "products":
        from subgraphs.products.app import create_app as create_products_app
        from subgraphs.products.settings import ProductsSettings

        app = create_products_app(ProductsSettings.model_validate_json(args.settings), verifier=verifier)
    else:
        from router.server.app import RouterOptions, create_router_app
        from router.server.auth import RouterAuthenticator
        from router.server.config import parse_router_config
        from router.server.reload import FileSource

        config = parse_router_config(json.loads(args.settings))
        options = RouterOptions(authenticator=RouterAuthenticator.with_verifiers([verifier]), internal_secret=SECRET)
        app = create_router_app(FileSource(Path(args.supergraph)), config, options)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, ws_max_queue=1024)
    return 0


def spawn(role: str, settings: str, jwks: str, port: int, supergraph: str = "") -> subprocess.Popen[bytes]:
    command = [sys.executable, __file__, "--role", role, "--settings", settings, "--jwks", jwks, "--port", str(port)]
    command += ["--supergraph", supergraph]
    return subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Client:
    """One buyer's WebSocket to the router, with one subscription per order; records event arrival times."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse, orders: list[str]) -> None:
        self.socket = socket
        self.orders = orders
        self.arrivals: dict[str, list[tuple[float, str]]] = {order: [] for order in orders}
        self.errors: list[Any] = []
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        for index, order in enumerate(self.orders):
            payload = {"query": TRACK, "variables": {"id": order}}
            await self.socket.send_json({"id": str(index), "type": "subscribe", "payload": payload})
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            kind = data.get("type")
            if kind == "ping":
                await self.socket.send_str('{"type":"pong"}')
            elif kind == "next" and not data["payload"].get("errors"):
                order = data["payload"]["data"]["orderUpdated"]
                self.arrivals[order["id"]].append((time.monotonic(), order["status"]))
            elif kind in ("next", "error", "complete"):
                self.errors.append(data)


async def connect(session: aiohttp.ClientSession, url: str, bearer: str, orders: list[str]) -> Client:
    socket = await session.ws_connect(url, protocols=("graphql-transport-ws",), max_msg_size=0)
    await socket.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {bearer}"}})
    ack = await socket.receive_json(timeout=30)
    assert ack["type"] == "connection_ack", ack
    return Client(socket, orders)


DEFERRED = "query D($id: ID!) { order(id: $id) { id status ... @defer { items { quantity product { name } } } } }"


async def measure_defer(
    session: aiohttp.ClientSession, router: str, bearer: str, orders: list[str], count: int
) -> dict[str, list[float]]:
    """Time to the first part and to the last of a @defer query (multipart), and the same query without @defer."""
    found: dict[str, list[float]] = {"first": [], "last": [], "plain": []}
    headers = {"Authorization": f"Bearer {bearer}"}
    plain_query = DEFERRED.replace("... @defer ", "... ")
    for index in range(count):
        variables = {"id": orders[index % len(orders)]}
        started = time.monotonic()
        accept = {**headers, "Accept": "multipart/mixed;deferSpec=20220824"}
        async with session.post(
            f"{router}/graphql", json={"query": DEFERRED, "variables": variables}, headers=accept
        ) as r:
            first = None
            async for _ in r.content.iter_any():
                first = first or time.monotonic()
            found["first"].append((first or time.monotonic()) - started)
            found["last"].append(time.monotonic() - started)
        started = time.monotonic()
        async with session.post(
            f"{router}/graphql", json={"query": plain_query, "variables": variables}, headers=headers
        ) as r:
            assert "errors" not in await r.json()
        found["plain"].append(time.monotonic() - started)
    return found


def _missing(by_order: dict[str, Client], needed: dict[str, int]) -> bool:
    return any(len(by_order[o].arrivals[o]) < n for o, n in needed.items())


async def wait_metric(session: aiohttp.ClientSession, url: str, name: str, wanted: int, clients: list[Client]) -> int:
    deadline = time.monotonic() + 300
    value = 0
    while time.monotonic() < deadline and not any(c.errors for c in clients):
        try:
            async with session.get(f"{url}/metrics") as response:
                text = await response.text()
        except aiohttp.ClientError:  # a kept-alive connection the server had just closed
            await asyncio.sleep(0.2)
            continue
        found = [line.split()[1] for line in text.splitlines() if line.startswith(f"{name} ")]
        value = int(float(found[0])) if found else 0
        if value >= wanted:
            break
        await asyncio.sleep(0.2)
    return value


async def wait_events(clients: list[Client], orders: list[str], count: int, timeout: float = 120) -> bool:
    by_order = {order: client for client in clients for order in client.orders}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(len(by_order[order].arrivals[order]) >= count for order in orders):
            return True
        await asyncio.sleep(0.01)
    return False


async def bench(args: argparse.Namespace) -> int:
    from db.migrate import migrate_all
    from subgraphs.orders.settings import OrdersSettings
    from subgraphs.products.settings import ProductsSettings
    from tests.integration.realtime.platform import compose
    from tests.support.databases import asyncpg_dsn, create_database, drop_database
    from tests.support.servers import free_port

    server = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    database_url = await create_database(server, prefix="bench_subscriptions")
    dsn = asyncpg_dsn(database_url)
    ring = KeyRing.generate()
    jwks = json.dumps(ring.jwks())
    data_dir = Path(tempfile.mkdtemp(prefix="subscriptions-bench-"))
    processes: list[subprocess.Popen[bytes]] = []
    failed = False
    try:
        await migrate_all({"users": database_url, "products": database_url, "orders": database_url})
        ports = {name: free_port() for name in ("products", "orders", "router")}
        urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        products_settings = ProductsSettings(database_url=database_url, data_dir=data_dir, internal_secret=SECRET)
        orders_settings = OrdersSettings(
            database_url=database_url, data_dir=data_dir, internal_secret=SECRET, products_url=urls["products"],
            broker_url="redis://127.0.0.1:6379/0", queue_name=f"subs-bench-{uuid.uuid4().hex[:8]}",
            log_level="WARNING", database_pool_size=20,
        )  # fmt: skip
        supergraph = data_dir / "supergraph.graphql"
        supergraph.write_text(compose({"users": "http://127.0.0.1:9", **urls}))
        per_connection = -(-args.subscriptions // args.connections)
        router_config = {
            "subscription": {"max_per_connection": per_connection, "max_opened_subscriptions": args.subscriptions + 10},
            "supergraph": {"defer_support": True},
        }
        processes.append(spawn("products", products_settings.model_dump_json(), jwks, ports["products"]))
        processes.append(spawn("orders", orders_settings.model_dump_json(), jwks, ports["orders"]))
        processes.append(spawn("router", json.dumps(router_config), jwks, ports["router"], str(supergraph)))
        pids = {"router": processes[2].pid, "orders": processes[1].pid}
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
            await asyncio.gather(*(wait_ready(session, url) for url in urls.values()))
            products = await create_products(session, urls["products"], ring)
            buyers = [str(uuid.uuid4()) for _ in range(args.connections)]
            tokens = {buyer: token(ring, buyer) for buyer in buyers}
            orders_of: dict[str, list[str]] = {buyer: [] for buyer in buyers}
            semaphore = asyncio.Semaphore(16)

            async def create(buyer: str, index: int) -> None:
                items = [{"productId": products[index % len(products)], "quantity": 1}]
                body = {"query": CREATE, "variables": {"i": {"items": items, "shippingAddress": "1 Bench St"}}}
                async with (
                    semaphore,
                    session.post(
                        f"{urls['orders']}/graphql", json=body, headers={"Authorization": f"Bearer {tokens[buyer]}"}
                    ) as response,
                ):
                    orders_of[buyer].append((await response.json())["data"]["createOrder"]["id"])

            await asyncio.gather(*(create(buyers[i % len(buyers)], i) for i in range(args.subscriptions)))
            connection = await asyncpg.connect(dsn)
            await connection.execute("UPDATE orders.orders SET status = 'CONFIRMED'")  # no subscriber yet
            ws_url = urls["router"].replace("http", "ws", 1) + "/graphql"

            # warm up: one subscription, one event (imports, caches, first connections)
            warm = await connect(session, ws_url, tokens[buyers[0]], orders_of[buyers[0]][:1])
            await warm.start()
            await asyncio.sleep(1)
            await connection.execute(
                "UPDATE orders.orders SET status = 'PAID' WHERE id = $1", uuid.UUID(warm.orders[0])
            )
            await wait_events([warm], warm.orders, 1, timeout=30)
            await warm.socket.close()
            await connection.execute("UPDATE orders.orders SET status = 'CONFIRMED'")
            await asyncio.sleep(1)
            before = {name: rss_mib(pid) for name, pid in pids.items()}

            opened = time.monotonic()
            clients = [await connect(session, ws_url, tokens[b], orders_of[b]) for b in buyers]
            for client in clients:
                await client.start()
            every = [order for client in clients for order in client.orders]
            active = await wait_metric(session, urls["router"], "router_subscriptions_active", len(every), clients)
            # ...and registered with the orders subgraph's hub (its connection_init, checks, LISTEN fan-out)
            await wait_metric(session, urls["orders"], "orders_subscriptions_active", len(every), clients)
            open_seconds = time.monotonic() - opened  # until every subscription reached the orders hub
            await asyncio.sleep(2)
            after = {name: rss_mib(pid) for name, pid in pids.items()}
            refused = sum(len(c.errors) for c in clients)

            # single changes, one order at a time
            singles: list[float] = []
            status = {order: "CONFIRMED" for order in every}
            for index in range(args.singles):
                order = every[(index * 7919) % len(every)]
                client = next(c for c in clients if order in c.arrivals)
                seen = len(client.arrivals[order])
                status[order] = "PAID" if status[order] == "CONFIRMED" else "CONFIRMED"
                started = time.monotonic()
                await connection.execute(
                    "UPDATE orders.orders SET status = $2 WHERE id = $1", uuid.UUID(order), status[order]
                )
                if not await wait_events([client], [order], seen + 1, timeout=30):
                    failed = True
                    break
                singles.append(client.arrivals[order][seen][0] - started)

            # bursts: every order changes in one statement (all CONFIRMED first, the singles' orders too)
            toggled = [order for order in every if status[order] != "CONFIRMED"]
            counts = {order: len(c.arrivals[order]) for c in clients for order in c.orders}
            await connection.execute("UPDATE orders.orders SET status = 'CONFIRMED' WHERE status <> 'CONFIRMED'")
            by_order = {order: c for c in clients for order in c.orders}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and _missing(by_order, {o: counts[o] + 1 for o in toggled}):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            status = dict.fromkeys(every, "CONFIRMED")
            bursts: list[float] = []
            lasts: list[float] = []
            counts = {order: len(c.arrivals[order]) for c in clients for order in c.orders}
            target = "CONFIRMED"
            cpu_before = {name: cpu_seconds(process.pid) for name, process in zip(ROLES, processes, strict=True)}
            for _ in range(args.rounds):
                target = "CONFIRMED" if target == "PAID" else "PAID"
                started = time.monotonic()
                await connection.execute("UPDATE orders.orders SET status = $1 WHERE status <> $1", target)
                by_order = {order: c for c in clients for order in c.orders}
                needed = {order: counts[order] + 1 for order in every if status.get(order) != target}
                deadline = time.monotonic() + args.burst_timeout
                while time.monotonic() < deadline and _missing(by_order, needed):  # noqa: ASYNC110 - polls the readers
                    await asyncio.sleep(0.01)
                ok = all(len(by_order[o].arrivals[o]) >= n for o, n in needed.items())
                if not ok:
                    failed = True
                    break
                latencies = [by_order[o].arrivals[o][n - 1][0] - started for o, n in needed.items()]
                bursts += latencies
                lasts.append(max(latencies))
                for order in needed:
                    status[order] = target
                counts = {order: len(c.arrivals[order]) for c in clients for order in c.orders}
            cpu = {name: cpu_seconds(p.pid) - cpu_before[name] for name, p in zip(ROLES, processes, strict=True)}
            await connection.close()
            for client in clients:
                await client.socket.close()
            defer = await measure_defer(session, urls["router"], tokens[buyers[0]], orders_of[buyers[0]], args.defers)

        n = len(every)
        print(f"{os.cpu_count()} CPUs (shared); router, orders, products: one process each; uvicorn + uvloop")
        print(f"subscriptions open      {active} of {n} requested over {args.connections} WebSockets "
              f"in {open_seconds:.1f}s; refused/errors {refused}")  # fmt: skip
        for name in pids:
            delta = after[name] - before[name]
            print(f"memory {name:7s}          RSS {before[name]:.0f} -> {after[name]:.0f} MiB: "
                  f"{delta * 1024 / max(n, 1):.1f} KiB per subscription")  # fmt: skip
        print(f"single change -> client p50 {percentile(singles, 0.5) * 1000:6.1f} ms  "
              f"p99 {percentile(singles, 0.99) * 1000:6.1f} ms  ({len(singles)} changes)")  # fmt: skip
        print(f"burst of {n} changes     p50 {percentile(bursts, 0.5) * 1000:6.1f} ms  "
              f"p99 {percentile(bursts, 0.99) * 1000:6.1f} ms  last {max(lasts, default=float('nan')) * 1000:.0f} ms "
              f"({len(lasts)} rounds, {len(bursts)} events)")  # fmt: skip
        events = max(len(bursts), 1)
        print(
            "CPU per burst event     "
            + ", ".join(f"{name} {seconds / events * 1000:.2f} ms" for name, seconds in cpu.items())
        )
        print(
            f"@defer, {args.defers} queries   first part p50 {percentile(defer['first'], 0.5) * 1000:6.1f} ms, "
            f"all parts p50 {percentile(defer['last'], 0.5) * 1000:6.1f} ms; the same query without @defer "
            f"p50 {percentile(defer['plain'], 0.5) * 1000:6.1f} ms"
        )
        failed = failed or refused > 0 or active < n
        return 1 if failed else 0
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        await drop_database(server, database_url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--burst-timeout", type=float, default=300, help="seconds a burst may take")
    parser.add_argument("--singles", type=int, default=40)
    parser.add_argument("--defers", type=int, default=30, help="@defer queries timed (and as many without)")
    parser.add_argument("--role", help=argparse.SUPPRESS)
    parser.add_argument("--settings", help=argparse.SUPPRESS)
    parser.add_argument("--jwks", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--supergraph", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role:
        return run_role(args)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    sys.exit(main())
