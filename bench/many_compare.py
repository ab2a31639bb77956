"""``bench/router.py --many``: issue 17's many-fetch comparison, in one run.

Targets: Apollo Gateway, ``router serve`` with deduplication off (and with adaptive concurrency off too),
with two workers, with deduplication on, and any ``--baseline`` revisions, each measured on unique and
identical requests of ``bench/many_fetch.py``'s query over memoised subgraphs. It prints the table
(requests per CPU-second, p50/p99, peak RSS, subgraph requests per request, the ratio to Apollo
Gateway), the scaling of two workers over one, the share of the cores the bench itself took, and issue
17's goals with a verdict each. The process plumbing and the load generator are ``bench/router.py``'s.

The routers run on this venv's interpreter, or with ``--python PATH`` on another build of the locked
Python version (in a venv of the lock file made for it): the build matters. On one machine the engine
spent 650 µs per request on a pyenv build (``-O3``, libpython shared, no profile-guided or link-time
optimisation) and 530 µs on Debian's ``/usr/bin/python3.11`` (profile-guided and link-time optimised,
libpython linked in). The images run ``python:3.11-slim``, an optimised build (``--enable-optimizations
--with-lto``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import orjson

from bench.router import (
    NO_DEDUP_CONFIG,
    ROOT,
    _cpu_seconds,
    _free_port,
    _max_rss_mb,
    _percentile,
    _spawn,
    _spawn_router_server,
    _wait_ready,
    drive,
)

ROUTER_BENCH = ROOT / "bench" / "router.py"  # run as a script: it serves the memoised subgraphs (--serve-many)
# The router when issue 17 was filed: its first goal is twice this revision's requests per CPU-second.
ROUND_START = "a6617ed"

# The same without traffic_shaping.router.adaptive_concurrency: every operation in flight executes at once.
NO_GATE_CONFIG = """
traffic_shaping:
  router:
    deduplicate_requests: false
    adaptive_concurrency:
      enabled: false
  all:
    deduplicate_query: false
"""
UNGATED = "router (ac off)"


@contextlib.contextmanager
def _on_cpus(cpus: set[int] | None) -> Iterator[None]:
    """Processes started inside run on ``cpus``: a child inherits its parent's affinity. None: unchanged."""
    if cpus is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def placement(available: set[int]) -> tuple[set[int], set[int]] | None:
    """(the one-worker routers' CPU, the others') when pinning is possible: the last CPU of ``available``
    for the router being measured, the rest for the load generator and the memoised subgraphs; None
    with a single CPU."""
    if len(available) < 2:
        return None
    last = max(available)
    return {last}, available - {last}


async def _subgraph_count(base: str, session: aiohttp.ClientSession, *, reset: bool = False) -> int:
    async with session.request("POST" if reset else "GET", f"{base}/count") as response:
        count: int = (await response.json())["count"]
        return count


async def measure_many(
    name: str,
    url: str,
    pid: int,
    sub_base: str,
    sub_pid: int,
    seconds: float,
    concurrency: int,
    *,
    identical: bool,
) -> dict[str, Any]:
    """One target on the many-fetch query: the usual figures plus RSS and subgraph requests per request."""
    from bench.many_fetch import QUERY

    await drive(url, QUERY, min(1.0, seconds / 3), concurrency, identical=identical)  # warm up
    async with aiohttp.ClientSession() as session:
        await _subgraph_count(sub_base, session, reset=True)
        cpu_before = _cpu_seconds(pid)
        sub_before, driver_before = _cpu_seconds(sub_pid), time.process_time()
        started = time.perf_counter()
        count, latencies, errors = await drive(url, QUERY, seconds, concurrency, identical=identical)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(pid) - cpu_before
        sub_cpu, driver_cpu = _cpu_seconds(sub_pid) - sub_before, time.process_time() - driver_before
        fetched = await _subgraph_count(sub_base, session)
    return {
        "target": name,
        "rps": count / elapsed,
        "p50": _percentile(latencies, 0.5) * 1000,
        "p99": _percentile(latencies, 0.99) * 1000,
        "cpu_us": cpu / count * 1e6 if count else float("nan"),
        "rps_per_cpu": count / cpu if cpu > 0 else float("nan"),
        "rss": _max_rss_mb(pid),
        "sub_per_req": fetched / count if count else float("nan"),
        "errors": errors,
        # What the rest of the bench took meanwhile: the memoised subgraphs and this process's load.
        "others_cores": (sub_cpu + driver_cpu) / elapsed,
        "sub_cpu_us": sub_cpu / fetched * 1e6 if fetched else float("nan"),
        "driver_cpu_us": driver_cpu / count * 1e6 if count else float("nan"),
    }


async def _response_size(url: str) -> int:
    from bench.many_fetch import QUERY

    async with aiohttp.ClientSession() as session:
        headers = {"content-type": "application/json", "authorization": "Bearer size"}
        async with session.post(url, data=orjson.dumps({"query": QUERY}), headers=headers) as response:
            return len(await response.read())


def _checkout(revision: str, python: str) -> Path:
    """The packages of ``revision`` extracted into a temporary folder, with a venv of its own lock file.

    The old revision runs on the dependencies it locked (``uv sync --frozen --no-dev``, from uv's cache
    when it holds them), not on this venv: a dependency dropped or added since (``swagger-ui-bundle``,
    ``pyreqwest``) would otherwise stop it from starting or run it on libraries it never had. It runs
    on the interpreter the current revision runs on (``python``): two builds of one Python version
    differ by a fifth in speed (with or without profile-guided and link-time optimisation, for one).
    """
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    paths = ["pyproject.toml", "uv.lock", "router", "servicekit", "subgraphs", "marketplace", "db"]
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, *paths], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    _sync_venv(folder, folder / ".venv", python)
    return folder


def _interpreter_venv(python: str) -> Path:
    """A venv of this checkout's lock file on the interpreter ``python`` (``--python``), in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="bench-python-"))
    _sync_venv(ROOT, folder / ".venv", python)
    return folder


def _sync_venv(project: Path, venv: Path, python: str) -> None:
    """``uv sync`` of ``project``'s locked runtime dependencies into ``venv``, on the interpreter ``python``."""
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    outer = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")  # this run's venv, which uv would otherwise sync
    environment = {key: value for key, value in os.environ.items() if key not in outer}
    environment["UV_PROJECT_ENVIRONMENT"] = str(venv)
    subprocess.run(
        [uv, "sync", "--frozen", "--no-dev", "--no-install-project", "--quiet", "--python", python],
        cwd=project,
        env=environment,
        check=True,
    )


def describe_interpreter(python: str) -> str:
    """``python``'s version, path and how it links libpython (a static link is one of a build's speed-ups)."""
    probe = (
        "import sys\n"
        "shared = any('libpython' in line for line in open('/proc/self/maps'))\n"
        "print(sys.version.split()[0], sys.executable, 'libpython shared' if shared else 'libpython linked in')"
    )
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    version, path, linking = done.stdout.strip().split(" ", 2)
    return f"Python {version} ({path}, {linking})"


async def run_many(
    seconds: float,
    concurrency: int,
    baselines: Sequence[str] = (),
    repeat: int = 1,
    python: str | None = None,
    *,
    pin: bool = True,
) -> None:
    """Issue 17's case: our router (dedup off and on, 1 and 2 workers) beside Apollo Gateway.

    ``python``: the interpreter every router target runs on (this venv's when None); the memoised
    subgraphs and the load generator stay on this one.

    ``pin`` (as issue 17 measured: "gateway pinned to one core"): each one-worker target (Apollo Gateway
    with all its threads, the routers, the baselines) runs on one CPU of its own, and this process (the
    load generator) and the memoised subgraphs on the others, so a target's figures do not depend on how
    the scheduler mixes it with the load. Two workers run on every CPU, which they share with the load.
    """
    available = os.sched_getaffinity(0)
    pinned = placement(available) if pin else None
    router_cpus, others = pinned if pinned is not None else (None, None)
    every_cpu = available if pinned is not None else None
    from bench import many_fetch
    from tests.federation.support.harness import APOLLO_DIR, compose

    processes: list[subprocess.Popen[bytes]] = []
    rows: list[tuple[str, dict[str, Any]]] = []
    checkouts: list[Path] = []
    if others is not None:
        os.sched_setaffinity(0, others)  # the load generator, and the subgraphs it starts
    try:
        interpreter = python or sys.executable
        router_python = None  # the routers on this venv's interpreter
        if python is not None:
            checkouts.append(_interpreter_venv(python))
            router_python = str(checkouts[-1] / ".venv" / "bin" / "python")
        sub_port = _free_port()
        subgraphs = _spawn([sys.executable, str(ROUTER_BENCH), "--serve-many", str(sub_port)])
        processes.append(subgraphs)
        sub_base = f"http://127.0.0.1:{sub_port}"
        graphs = many_fetch.graphs()
        for graph in graphs:
            graph.url = f"{sub_base}/{graph.name}/"
        with tempfile.NamedTemporaryFile("w", suffix=".graphql", delete=False) as handle:
            handle.write(compose(graphs))
        ports = [_free_port() for _ in range(4)]
        targets: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
        with _on_cpus(router_cpus):
            apollo = _spawn(
                ["node", "gateway.mjs", handle.name, str(ports[0])], cwd=APOLLO_DIR, stdout=subprocess.DEVNULL
            )
            targets["apollo"] = (apollo, f"http://127.0.0.1:{ports[0]}/")
            plain = _spawn_router_server(handle.name, ports[1], extra_config=NO_DEDUP_CONFIG, python=router_python)
            targets["router"] = (plain, f"http://127.0.0.1:{ports[1]}/graphql")
            dedup = _spawn_router_server(handle.name, ports[2], python=router_python)
            targets["router+dedup"] = (dedup, f"http://127.0.0.1:{ports[2]}/graphql")
            ungated_port = _free_port()
            ungated = _spawn_router_server(handle.name, ungated_port, extra_config=NO_GATE_CONFIG, python=router_python)
            targets[UNGATED] = (ungated, f"http://127.0.0.1:{ungated_port}/graphql")
        with _on_cpus(every_cpu):
            two = _spawn_router_server(
                handle.name, ports[3], extra_config=NO_DEDUP_CONFIG, workers=2, python=router_python
            )
            targets["router x2"] = (two, f"http://127.0.0.1:{ports[3]}/graphql")
        for baseline in baselines:
            port = _free_port()
            checkouts.append(_checkout(baseline, interpreter))
            with _on_cpus(router_cpus):
                old = _spawn_router_server(handle.name, port, source=checkouts[-1])
            targets[f"@{baseline[:10]}"] = (old, f"http://127.0.0.1:{port}/graphql")
        processes += [process for process, _ in targets.values()]
        await _wait_ready(f"{sub_base}/products/", "{ topProducts(first: 1) { upc } }")
        for name, (process, url) in list(targets.items()):
            try:
                await _wait_ready(url, "{ topProducts(first: 1) { upc } }")
            except RuntimeError:
                if process.poll() is None:
                    raise
                print(f"{name}: did not start (exit status {process.returncode}); left out")
                del targets[name]
        size = await _response_size(targets["router"][1])
        plan = [
            ("unique", "apollo", False),
            *(("unique", f"@{baseline[:10]}", False) for baseline in baselines),
            ("unique", "router", False),
            ("unique", UNGATED, False),
            ("unique", "router x2", False),
            ("identical", "apollo", True),
            ("identical", "router", True),
            ("identical", "router+dedup", True),
        ]
        best: dict[tuple[str, str], dict[str, Any]] = {}
        for _ in range(repeat):  # interleaved rounds: a burst of load from elsewhere hits every target alike
            for variant, name, identical in plan:
                if name in targets:
                    process, url = targets[name]
                    row = await measure_many(
                        name, url, process.pid, sub_base, subgraphs.pid, seconds, concurrency, identical=identical
                    )
                    kept = best.get((variant, name))
                    if kept is None or row["rps_per_cpu"] > kept["rps_per_cpu"]:
                        best[(variant, name)] = row
        rows = [(variant, row) for (variant, _), row in best.items()]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
        for checkout in checkouts:
            shutil.rmtree(checkout, ignore_errors=True)
        os.sched_setaffinity(0, available)

    print(
        f"\nmany-fetch case: 12 subgraph fetches in 5 rounds, "
        f"{size / 1000:.1f} KB response; {seconds:.0f}s per target, best of {repeat}, {concurrency} connections, "
        f"{os.cpu_count()} CPUs (shared)"
    )
    print(f"the routers ran on {describe_interpreter(interpreter)}")
    if router_cpus is not None and others is not None:
        print(
            f"pinned: each one-worker target (Apollo Gateway with all its threads too) on CPU "
            f"{_cpu_list(router_cpus)}, the load generator and the memoised subgraphs on CPU {_cpu_list(others)}; "
            f"two workers on CPUs {_cpu_list(available)}, shared with the load\n"
        )
    else:
        print("not pinned: every process on any CPU\n")
    header = (
        f"{'requests':<10} {'target':<15} {'req/s':>7} {'req/CPU-s':>10} {'CPU µs/req':>11} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'max RSS MB':>11} {'subgraph req/req':>17} {'vs Apollo':>10} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    apollo_by_variant = {variant: row["rps_per_cpu"] for variant, row in rows if row["target"] == "apollo"}
    for variant, row in rows:
        ratio = row["rps_per_cpu"] / apollo_by_variant.get(variant, float("nan"))
        print(
            f"{variant:<10} {row['target']:<15} {row['rps']:>7.0f} {row['rps_per_cpu']:>10.0f} {row['cpu_us']:>11.0f} "
            f"{row['p50']:>8.1f} {row['p99']:>8.1f} {row['rss']:>11.0f} {row['sub_per_req']:>17.2f} "
            f"{ratio:>9.2f}x {row['errors']:>6}"
        )
    by_name = {row["target"]: row for variant, row in rows if variant == "unique"}
    if UNGATED in by_name:
        gated, ungated_row = by_name["router"]["cpu_us"], by_name[UNGATED]["cpu_us"]
        print(
            f"\nadaptive concurrency (traffic_shaping.router.adaptive_concurrency): {gated:.0f} µs of CPU per "
            f"request with it, {ungated_row:.0f} without ({gated / ungated_row - 1:+.0%})"
        )
    if "router x2" in by_name:
        scaling = by_name["router x2"]["rps"] / by_name["router"]["rps"]
        print(f"\n2 workers vs 1, requests per second (unique requests): {scaling:.2f}x")
        # What this machine can show is bounded by its cores, which also run the load generator and the
        # subgraphs; the CPU a request costs with two workers is not, so it gives what two cores of the
        # router's own would serve (a projection, printed as one).
        efficiency = by_name["router x2"]["rps_per_cpu"] / by_name["router"]["rps_per_cpu"]
        print(
            f"2 workers vs 1, requests per CPU-second: {efficiency:.2f}x "
            f"(projected on two cores of the router's own: {2 * efficiency:.2f}x one worker)"
        )
        pair = by_name["router x2"]
        print(
            f"meanwhile the load generator and the memoised subgraphs took {pair['others_cores']:.2f} of the "
            f"{os.cpu_count()} cores ({pair['sub_cpu_us']:.0f} µs of CPU per subgraph request, "
            f"{pair['driver_cpu_us']:.0f} µs per client request)"
        )
    start = next((f"@{rev[:10]}" for rev in baselines if _same_commit(rev, ROUND_START)), None)
    print("\nissue 17's goals, in this run (the machine's noise moves each figure by several %):")
    for goal, figure, met in issue_17_goals(dict(best), start):
        verdict = "not measured" if met is None else "met" if met else "NOT met"
        print(f"  {goal:<62} {figure:>8}  {verdict}")


def _cpu_list(cpus: set[int]) -> str:
    return ",".join(map(str, sorted(cpus)))


def _same_commit(rev: str, other: str) -> bool:
    def resolve(name: str) -> str:
        done = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"], cwd=ROOT,
                              capture_output=True, text=True, check=False)  # fmt: skip
        return done.stdout.strip() or name

    return resolve(rev) == resolve(other)


def issue_17_goals(
    rows: Mapping[tuple[str, str], Mapping[str, Any]], round_start: str | None
) -> list[tuple[str, str, bool | None]]:
    """(goal, measured figure, met; None when not measured) for issue 17's goals, from the many-fetch rows
    keyed by (``unique``/``identical``, target); ``round_start``: the target of the round's start."""

    def row(variant: str, target: str | None) -> Mapping[str, Any] | None:
        return rows.get((variant, target)) if target is not None else None

    def ratio(top: Mapping[str, Any] | None, bottom: Mapping[str, Any] | None, key: str) -> float | None:
        return top[key] / bottom[key] if top is not None and bottom is not None and bottom[key] else None

    one, two, start = row("unique", "router"), row("unique", "router x2"), row("unique", round_start)
    apollo, dedup = row("unique", "apollo"), row("identical", "router+dedup")
    figures: list[tuple[str, float | None, float, str]] = [
        (f"one worker: 2x the round's start ({ROUND_START}), req per CPU-second", ratio(one, start, "rps_per_cpu"),
         2.0, "x"),
        ("one worker: 7x Apollo Gateway, req per CPU-second", ratio(one, apollo, "rps_per_cpu"), 7.0, "x"),
        ("one worker: p99 at most 1.5x p50", None if one is None else one["p99"] / one["p50"], -1.5, "x"),
        ("one worker: RSS under 150 MB", None if one is None else one["rss"], -150.0, " MB"),
        ("two workers: 1.8x one worker's requests per second", ratio(two, one, "rps"), 1.8, "x"),
        ("identical requests, dedup on: 25x Apollo Gateway", ratio(dedup, row("identical", "apollo"),
         "rps_per_cpu"), 25.0, "x"),
    ]  # fmt: skip
    goals: list[tuple[str, str, bool | None]] = []
    for goal, value, bound, unit in figures:
        if value is None:
            goals.append((goal, "-", None))
            continue
        met = value >= bound if bound > 0 else value <= -bound  # a negative bound is a ceiling
        goals.append((goal, f"{value:.2f}{unit}" if unit == "x" else f"{value:.0f}{unit}", met))
    return goals
