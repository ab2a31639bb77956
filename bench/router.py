"""Router benchmark: our Python router vs Apollo Gateway vs the subgraph itself.

One run starts the test subgraphs of the differential harness (accounts, products, reviews,
inventory: ``tests/federation/test_entities.py``) in one uvicorn process, our engine alone (a minimal
Starlette ``POST /graphql`` over ``Engine``, target "ours") in another, the full server (``router
serve``, target "router") in a third, and Apollo Gateway (node) on the same supergraph. For each
case it drives each target with a fixed number of concurrent clients for a few seconds, sending a
distinct ``Authorization`` header per request, and prints requests/s, p50/p99 latency and the router
process's CPU time per request (so requests per CPU-second compare the routers independently of the
shared, noisy machine). It then times plan-cache misses and
hits in-process.

    uv run python bench/router.py [--seconds 3] [--concurrency 16]
    uv run python bench/router.py --profile                   # cProfile the engine in-process (b, c)
    uv run python bench/router.py --profile-server --seconds 4  # cProfile `router serve` under load (b, c)
    uv run python bench/router.py --many --seconds 3 --concurrency 50   # the many-fetch case (issue 17)
    uv run python bench/router.py --many --python /usr/bin/python3.11    # the routers on another interpreter

Cases: (a) one subgraph, (b) a two-hop entity query, (c) three subgraphs with ``@requires``.

``--many`` runs only the many-fetch case of ``bench/many_fetch.py`` (12 fetches in 5 rounds, a response
over 50 KB, memoised subgraphs) against Apollo Gateway: ``bench/many_compare.py`` says what it measures
and prints. The load generator (``drive``) is the router's HTTP/1.1 client on uvloop, the cheapest
client here, since it runs on the cores the routers are measured on.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import orjson  # noqa: E402
import uvloop  # noqa: E402

CASES = {
    "a: one subgraph": "{ topProducts(first: 2) { upc name price } }",
    "b: two-hop entity": "{ topProducts(first: 2) { name reviews { body } } }",
    "c: 3 subgraphs + @requires": "{ topProducts(first: 2) { name shippingEstimate reviews { body } } }",
}
DIRECT = "{ topProducts(first: 2) { upc name price weight } }"


def _free_port() -> int:
    from tests.support.servers import free_port  # never the same port twice in one run

    return free_port()


def _cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and every process below it (``router serve --workers``)."""
    total = 0.0
    for each in _process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    return total


def _process_tree(pid: int) -> list[int]:
    found = [pid]
    for each in found:
        for task in Path(f"/proc/{each}/task").glob("*/children") if Path(f"/proc/{each}").exists() else ():
            try:
                found.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return found


def _max_rss_mb(pid: int) -> float:
    """The peak resident memory (VmHWM) of ``pid`` and its children, summed, in MB."""
    total = 0
    for each in _process_tree(pid):
        try:
            status = Path(f"/proc/{each}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


# ---- child processes ----------------------------------------------------------------------------


def serve_subgraphs(port: int) -> None:
    """All four subgraphs in one process, mounted at /<name>/."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from tests.federation import test_entities as area

    graphs = [area.accounts(), area.products(), area.reviews(), area.inventory()]
    for graph in graphs:
        graph.record_requests = False
    app = Starlette(routes=[Mount(f"/{g.name}", app=g.asgi_app()) for g in graphs])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, loop="uvloop")


def serve_router(supergraph_path: str, port: int) -> None:
    """The engine alone: a minimal Starlette POST /graphql over Engine (the "router" target is the full server).

    Run as `router serve` runs (uvloop, httptools, the start-up heap frozen), so the difference
    between the two targets is what the server does per request.
    """
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from router.engine import Engine

    engine = Engine(Path(supergraph_path).read_text())

    async def graphql(request: Request) -> Response:
        body = orjson.loads(await request.body())
        headers = {"authorization": request.headers.get("authorization", "")}
        result = await engine.execute(body["query"], body.get("variables"), body.get("operationName"), headers)
        return Response(orjson.dumps(result), media_type="application/json")

    app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
    from router.server.gc_tuning import freeze_startup_heap

    freeze_startup_heap()  # the same process set-up as `router serve`, so the two compare like for like
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, loop="uvloop", http="httptools"
    )


# ---- load generation ----------------------------------------------------------------------------


async def _wait_ready(url: str, query: str) -> None:
    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.post(url, json={"query": query}) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not become ready")
            await asyncio.sleep(0.2)


async def drive(
    url: str,
    query: str,
    seconds: float,
    concurrency: int,
    *,
    identical: bool = False,
    requests: int | None = None,
) -> tuple[int, list[float], int]:
    """Send ``query`` from ``concurrency`` clients for ``seconds`` (and at most ``requests`` requests);
    return (count, latencies, errors).

    Each request carries its own ``Authorization`` header (forwarded to every subgraph by both routers,
    so nothing can be merged), unless ``identical``: then every request is byte for byte the same.
    """
    from router.execution.http1 import Http1Client

    latencies: list[float] = []
    errors = 0
    body = orjson.dumps({"query": query})
    counter = 0
    deadline = time.monotonic() + seconds
    # The router's own HTTP/1.1 client (keep-alive, one connection per client here): about half of
    # aiohttp's CPU per request of the many-fetch case (100-116 µs against some 220), CPU that on two
    # shared cores is taken from the router being measured.
    http = Http1Client(limit=concurrency, default_headers={"content-type": "application/json"})

    async def client() -> None:
        nonlocal counter, errors
        while time.monotonic() < deadline and (requests is None or counter < requests):
            counter += 1
            token = "token-shared" if identical else f"token-{counter}"
            start = time.perf_counter()
            try:
                status, payload = await http.post(url, body, {"authorization": f"Bearer {token}"}, 60.0)
            except (OSError, TimeoutError):
                status, payload = 0, b""
            latencies.append(time.perf_counter() - start)
            if status != 200 or b'"errors"' in payload:
                errors += 1

    try:
        await asyncio.gather(*(client() for _ in range(concurrency)))
    finally:
        await http.aclose()
    return len(latencies), latencies, errors


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


async def measure(name: str, url: str, query: str, pid: int | None, seconds: float, concurrency: int) -> dict[str, Any]:
    await drive(url, query, min(1.0, seconds / 3), concurrency)  # warm up (plans, pools, JIT)
    cpu_before = _cpu_seconds(pid) if pid else 0.0
    started = time.perf_counter()
    count, latencies, errors = await drive(url, query, seconds, concurrency)
    elapsed = time.perf_counter() - started
    cpu = (_cpu_seconds(pid) - cpu_before) if pid else float("nan")
    return {
        "target": name,
        "rps": count / elapsed,
        "p50": _percentile(latencies, 0.5) * 1000,
        "p99": _percentile(latencies, 0.99) * 1000,
        "cpu_us": cpu / count * 1e6 if count and pid else float("nan"),
        "rps_per_cpu": count / cpu if pid and cpu > 0 else float("nan"),
        "errors": errors,
    }


def plan_cache_times(supergraph_sdl: str) -> tuple[float, float]:
    """Median µs of Engine.prepare on a plan-cache miss (new query text) and on a hit."""
    from router.engine import Engine

    engine = Engine(supergraph_sdl)
    query = CASES["c: 3 subgraphs + @requires"]
    misses = []
    for i in range(30):
        text = query.replace("name", f"n{i}: name", 1)
        start = time.perf_counter()
        engine.prepare(text)
        misses.append(time.perf_counter() - start)
    hits = []
    for _ in range(2000):
        start = time.perf_counter()
        engine.prepare(query)
        hits.append(time.perf_counter() - start)
    return statistics.median(misses) * 1e6, statistics.median(hits) * 1e6


# ---- orchestration ------------------------------------------------------------------------------


ROUTER_CONFIG = """
# The full router server as deployed (limits, CSRF, metrics, request logging), minus JWT verification:
# the bench's Authorization headers are distinct per request but not real tokens.
authentication:
  jwt:
    enabled: false
sandbox:
  enabled: false
"""


def _spawn_router_server(
    supergraph_path: str,
    port: int,
    profile_to: str | None = None,
    *,
    extra_config: str = "",
    workers: int | None = None,
    source: Path = ROOT,
    python: str | None = None,
) -> subprocess.Popen[bytes]:
    """``router serve`` itself, as `marketplace up` and the images run it (under cProfile with ``profile_to``).

    ``source``: the checkout whose ``router`` package runs (another revision's, for ``--baseline``).
    ``python``: the interpreter of a venv holding this checkout's dependencies (``--python``).
    """
    folder = tempfile.mkdtemp(prefix="bench-router-")
    config = Path(folder) / "router.yaml"
    config.write_text(ROUTER_CONFIG + extra_config)
    env = {**os.environ, "MARKETPLACE_DATA_DIR": folder, "MARKETPLACE_LOG_LEVEL": "WARNING"}
    if source != ROOT:
        env["PYTHONPATH"] = str(source)
        python = str(source / ".venv" / "bin" / "python")  # the revision's own dependencies (`_checkout`)
    python = python or sys.executable
    profiler = ["-m", "cProfile", "-o", profile_to] if profile_to else []
    command = [python, *profiler, "-m", "router", "serve", "--supergraph", supergraph_path]
    command += ["--port", str(port)]
    if workers is not None:
        command += ["--workers", str(workers)]
    command += ["--router-config", str(config), "--no-hot-reload", "--no-rest"]
    return _spawn(command, env=env, cwd=str(source), stdout=subprocess.DEVNULL)


def _spawn(args: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """Start a child process (a quick, non-blocking call, fine from the event loop)."""
    return subprocess.Popen(args, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--profile", action="store_true", help="cProfile our Engine in-process on cases b and c")
    parser.add_argument(
        "--profile-server",
        action="store_true",
        help="cProfile the full `router serve` process under the bench's load on cases b and c",
    )
    parser.add_argument(
        "--many",
        action="store_true",
        help="only the many-fetch case (issue 17): router vs Apollo, unique and identical requests, 1 and 2 workers",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        action="append",
        default=[],
        help="with --many: also run `router serve` of this git revision (e.g. a commit before a change), same run;"
        " repeat it for several revisions",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="with --many: measure every target this many times, interleaved, and keep each one's best round",
    )
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="with --many: run every router target (and --baseline) on this interpreter, in a venv of the lock"
        " file made for it; e.g. an optimised build like the images' (python:3.11-slim)",
    )
    parser.add_argument(
        "--no-pin",
        dest="pin",
        action="store_false",
        help="with --many: let every process run on any CPU (by default each one-worker target has a CPU of its"
        " own, the load generator and the subgraphs the others)",
    )
    parser.add_argument("--serve-subgraphs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-many", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve-router", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_many:
        from bench.many_fetch import serve

        serve(args.serve_many)
        return
    # The load generator on uvloop, as the routers: its CPU is taken from the cores the routers being
    # measured share with it (116 -> 109 µs per request of the many-fetch case).
    if args.many:
        from bench.many_compare import run_many

        uvloop.run(run_many(args.seconds, args.concurrency, args.baseline, args.repeat, args.python, pin=args.pin))
        return
    if args.serve_subgraphs:
        serve_subgraphs(args.serve_subgraphs)
        return
    if args.serve_router:
        serve_router(args.serve_router[0], int(args.serve_router[1]))
        return
    if args.profile:
        asyncio.run(profile(args.concurrency))
        return
    if args.profile_server:
        asyncio.run(profile_server(args.seconds, args.concurrency))
        return
    uvloop.run(run(args.seconds, args.concurrency))


async def profile(concurrency: int, requests: int = 3000) -> None:
    """Where our router's CPU goes: cProfile of Engine.execute (b and c) against real subgraphs."""
    import cProfile
    import pstats

    from router.engine import Engine
    from tests.federation import test_entities as area
    from tests.federation.support.harness import compose

    sub_port = _free_port()
    process = _spawn([sys.executable, __file__, "--serve-subgraphs", str(sub_port)])
    try:
        graphs = [area.accounts(), area.products(), area.reviews(), area.inventory()]
        for graph in graphs:
            graph.url = f"http://127.0.0.1:{sub_port}/{graph.name}/"
        engine = Engine(compose(graphs))
        await _wait_ready(f"http://127.0.0.1:{sub_port}/products/", DIRECT)
        queries = [CASES["b: two-hop entity"], CASES["c: 3 subgraphs + @requires"]]
        counter = 0

        async def client() -> None:
            nonlocal counter
            while counter < requests:
                counter += 1
                await engine.execute(queries[counter % 2], None, None, {"authorization": f"Bearer {counter}"})

        await asyncio.gather(*(client() for _ in range(concurrency)))  # warm up
        counter = 0
        profiler = cProfile.Profile()
        profiler.enable()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        profiler.disable()
        await engine.aclose()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    finally:
        process.terminate()
        process.wait(timeout=10)


async def profile_server(seconds: float, concurrency: int) -> None:
    """Where the full server's CPU goes: `router serve` under cProfile, driven over HTTP on cases b and c.

    The profile covers the whole process (start-up included, so look at the per-request entries);
    compare it with ``--profile`` (the engine alone) to see what the server adds.
    """
    import pstats
    import signal

    from tests.federation import test_entities as area
    from tests.federation.support.harness import compose

    processes: list[subprocess.Popen[bytes]] = []
    output = str(Path(tempfile.mkdtemp(prefix="bench-profile-")) / "router.prof")
    try:
        sub_port = _free_port()
        processes.append(_spawn([sys.executable, __file__, "--serve-subgraphs", str(sub_port)]))
        graphs = [area.accounts(), area.products(), area.reviews(), area.inventory()]
        for graph in graphs:
            graph.url = f"http://127.0.0.1:{sub_port}/{graph.name}/"
        with tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False) as handle:
            handle.write(compose(graphs))
        server_port = _free_port()
        server = _spawn_router_server(handle.name, server_port, profile_to=output)
        processes.append(server)
        server_url = f"http://127.0.0.1:{server_port}/graphql"
        await _wait_ready(f"http://127.0.0.1:{sub_port}/products/", DIRECT)
        await _wait_ready(server_url, CASES["a: one subgraph"])
        count = 0
        for case in ("b: two-hop entity", "c: 3 subgraphs + @requires"):
            done, _, _ = await drive(server_url, CASES[case], seconds, concurrency)
            count += done
        server.send_signal(signal.SIGINT)  # a clean stop, so cProfile writes its file
        server.wait(timeout=30)
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            process.wait(timeout=10)
    print(f"{count} requests through `router serve`")
    stats = pstats.Stats(output)
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(60)


async def run(seconds: float, concurrency: int) -> None:
    from tests.federation import test_entities as area
    from tests.federation.support.harness import APOLLO_DIR, compose

    processes: list[subprocess.Popen[bytes]] = []
    try:
        sub_port = _free_port()
        processes.append(_spawn([sys.executable, __file__, "--serve-subgraphs", str(sub_port)]))
        graphs = [area.accounts(), area.products(), area.reviews(), area.inventory()]
        for graph in graphs:
            graph.url = f"http://127.0.0.1:{sub_port}/{graph.name}/"
        supergraph_sdl = compose(graphs)
        with tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False) as handle:
            handle.write(supergraph_sdl)
        router_port, gateway_port, server_port = _free_port(), _free_port(), _free_port()
        ours = _spawn([sys.executable, __file__, "--serve-router", handle.name, str(router_port)])
        server = _spawn_router_server(handle.name, server_port)
        apollo = _spawn(
            ["node", "gateway.mjs", handle.name, str(gateway_port)], cwd=APOLLO_DIR, stdout=subprocess.DEVNULL
        )
        processes += [ours, server, apollo]
        direct_url = f"http://127.0.0.1:{sub_port}/products/"
        ours_url = f"http://127.0.0.1:{router_port}/graphql"
        server_url = f"http://127.0.0.1:{server_port}/graphql"
        apollo_url = f"http://127.0.0.1:{gateway_port}/"
        await _wait_ready(direct_url, DIRECT)
        await _wait_ready(ours_url, CASES["a: one subgraph"])
        await _wait_ready(server_url, CASES["a: one subgraph"])
        await _wait_ready(apollo_url, CASES["a: one subgraph"])

        rows: list[tuple[str, dict[str, Any]]] = []
        for case, query in CASES.items():
            rows.append((case, await measure("ours", ours_url, query, ours.pid, seconds, concurrency)))
            rows.append((case, await measure("router", server_url, query, server.pid, seconds, concurrency)))
            rows.append((case, await measure("apollo", apollo_url, query, apollo.pid, seconds, concurrency)))
            rows.append((case, await measure("subgraph", direct_url, DIRECT, None, seconds, concurrency)))
        miss, hit = plan_cache_times(supergraph_sdl)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)

    print(f"\n{seconds:.0f}s per target, {concurrency} concurrent clients, {os.cpu_count()} CPUs (shared)\n")
    header = (
        f"{'case':<28} {'target':<9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU µs/req':>11} {'req/CPU-s':>10} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for case, row in rows:
        print(
            f"{case:<28} {row['target']:<9} {row['rps']:>8.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} "
            f"{row['cpu_us']:>11.0f} {row['rps_per_cpu']:>10.0f} {row['errors']:>6}"
        )
    print()
    for case in CASES:
        by_target = {row["target"]: row for c, row in rows if c == case}
        apollo = by_target["apollo"]["rps_per_cpu"]
        engine_ratio = by_target["ours"]["rps_per_cpu"] / apollo
        server_ratio = by_target["router"]["rps_per_cpu"] / apollo
        print(
            f"{case:<28} requests per CPU-second vs Apollo Gateway: engine {engine_ratio:.2f}x, "
            f"full router server {server_ratio:.2f}x"
        )
    print(f"\nplan cache (Engine.prepare, case c): miss {miss:.0f} µs, hit {hit:.2f} µs")


# ---- the many-fetch case (issue 17) -------------------------------------------------------------

NO_DEDUP_CONFIG = """
traffic_shaping:
  router:
    deduplicate_requests: false
  all:
    deduplicate_query: false
"""


if __name__ == "__main__":
    main()
