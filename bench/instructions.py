"""Instructions per request on the many-fetch case, counted by callgrind: a measure that repeats.

The CPU time of a request on a shared machine varies by a third from one run to the next; the number of
instructions it executes in user space, counted by valgrind's callgrind, repeats to within a tenth of a
percent, so the effect of a change of a few percent shows. Two measures:

    uv run python bench/instructions.py engine [--requests 10] [--part all|execute|shape]
    uv run python bench/instructions.py server [--requests 100] [--concurrency 10]
    uv run python bench/instructions.py engine --source /path/to/another/checkout   # its router package

``engine``: the Engine alone, in a process under callgrind, on ``bench/many_fetch.py``'s query over
memoised subgraph answers (the first requests reach the bench's subgraphs; later ones are answered from
the bytes they returned, decoded every time as the fetcher decodes them). ``--part execute`` counts the
plan's execution only (fetches, entity batches, merging), ``--part shape`` only the shaping of its result.
``server``: ``router serve`` under callgrind with the bench's configuration (deduplication off), sent
``--requests`` requests of that query after a warm-up, each with its own ``Authorization`` header.
Collection is switched on and off around the counted requests with ``callgrind_control -i``. System
calls are not counted: the kernel's share of a request (about 4 % of the router's CPU here) is not in it.
Needs valgrind (``apt-get install valgrind``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
INSIDE = "--inside-callgrind"
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path.pop(0)  # this script's folder: its router.py is not the router package
sys.path.append(str(ROOT))  # the bench and tests packages; the router package comes first from PYTHONPATH


def _toggle(state: str, pid: int) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(pid)], check=True, capture_output=True)


def _collected(log: str) -> int:
    found = re.search(r"Collected : (\d+)", log)
    if found is None:
        raise RuntimeError(f"callgrind reported no count:\n{log[-2000:]}")
    return int(found.group(1))


def _callgrind(command: list[str], out: Path) -> list[str]:
    return ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}", *command]


class _Memo:
    """A fetcher answering each distinct subgraph request from the bytes of its first answer."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.answers: dict[tuple[str, bytes], bytes] = {}

    async def fetch(
        self, service: str, body: bytes, headers: Mapping[str, str] | None = None, *, shared: bool = False
    ) -> dict[str, Any]:
        import orjson

        answer = self.answers.get((service, body))
        if answer is None:
            answer = self.answers[(service, body)] = orjson.dumps(await self.inner.fetch(service, body, headers))
        decoded: dict[str, Any] = orjson.loads(answer)
        return decoded


async def _engine_inside(requests: int, part: str) -> None:
    """Runs under callgrind: the counted part of ``requests`` executions, switched on around them."""
    # First (not sorted): importing bench.router puts this checkout first on sys.path.
    from router.engine import Engine, PreparedOperation  # noqa: I001

    from bench import many_fetch
    from bench.router import _free_port, _spawn, _wait_ready
    from tests.federation.support.harness import compose

    port = _free_port()
    subgraphs = _spawn([sys.executable, str(ROOT / "bench" / "router.py"), "--serve-many", str(port)])
    try:
        graphs = many_fetch.graphs()
        for graph in graphs:
            graph.url = f"http://127.0.0.1:{port}/{graph.name}/"
        engine = Engine(compose(graphs), fetch_wrapper=_Memo)
        await _wait_ready(f"http://127.0.0.1:{port}/products/", "{ topProducts(first: 1) { upc } }")
        headers = {"authorization": "Bearer bench"}
        for _ in range(3):  # every answer memoised, every plan and shape compiled
            result = await engine.execute(many_fetch.QUERY, headers=headers)
        if "errors" in result:
            raise RuntimeError(f"the many-fetch query failed: {result['errors']}")
        prepared = engine.prepare(many_fetch.QUERY)
        assert isinstance(prepared, PreparedOperation)
        data, _ = await engine.executor.execute(prepared.plan, {}, headers, shared=True)
        gc.collect()
        gc.freeze()  # as `router serve` does after start-up (router/server/gc_tuning.py)
        gc.set_threshold(20_000, 10, 10)
        _toggle("on", os.getpid())
        for _ in range(requests):
            if part == "all":
                await engine.execute(many_fetch.QUERY, headers=headers)
            elif part == "execute":
                await engine.executor.execute(prepared.plan, {}, headers, shared=True)
            else:
                prepared.shape.shape(data, {}, [])
        _toggle("off", os.getpid())
    finally:
        subgraphs.terminate()
        subgraphs.wait()


def measure_engine(requests: int, part: str, source: Path) -> int:
    """Instructions of ``requests`` engine executions (or of their ``part``), with ``source``'s router."""
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as folder:
        out = Path(folder) / "callgrind.out"
        command = [sys.executable, __file__, INSIDE, str(requests), part]
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(source)}
        done = subprocess.run(_callgrind(command, out), env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"the engine run failed:\n{done.stderr[-3000:]}")
        return _collected(done.stderr)


async def measure_server(requests: int, concurrency: int, source: Path) -> tuple[int, int]:
    """(instructions, failed requests) of ``router serve`` answering ``requests`` many-fetch requests."""
    from bench import many_fetch
    from bench.router import NO_DEDUP_CONFIG, ROUTER_CONFIG, _free_port, _spawn, _wait_ready, drive
    from tests.federation.support.harness import compose

    port = _free_port()
    processes = [_spawn([sys.executable, str(ROOT / "bench" / "router.py"), "--serve-many", str(port)])]
    with tempfile.TemporaryDirectory(prefix="bench-instructions-") as folder:
        try:
            graphs = many_fetch.graphs()
            for graph in graphs:
                graph.url = f"http://127.0.0.1:{port}/{graph.name}/"
            supergraph = Path(folder) / "supergraph.graphql"
            supergraph.write_text(compose(graphs))
            config = Path(folder) / "router.yaml"
            config.write_text(ROUTER_CONFIG + NO_DEDUP_CONFIG)
            router_port = _free_port()
            serve = [sys.executable, "-m", "router", "serve", "--supergraph", str(supergraph)]
            serve += ["--port", str(router_port), "--router-config", str(config), "--no-hot-reload", "--no-rest"]
            env = {
                **os.environ,
                "MARKETPLACE_DATA_DIR": folder,
                "MARKETPLACE_LOG_LEVEL": "WARNING",
                "PYTHONHASHSEED": "0",
                "PYTHONPATH": str(source),
            }
            log = Path(folder) / "callgrind.log"
            with log.open("w") as stderr:
                router = _spawn(
                    _callgrind(serve, Path(folder) / "callgrind.out"),
                    env=env,
                    cwd=str(source),
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            processes.append(router)
            url = f"http://127.0.0.1:{router_port}/graphql"
            await _wait_ready(f"http://127.0.0.1:{port}/products/", "{ topProducts(first: 1) { upc } }")
            for _ in range(20):  # start-up under valgrind takes a minute or two
                try:
                    await _wait_ready(url, "{ topProducts(first: 1) { upc } }")
                    break
                except RuntimeError:
                    if router.poll() is not None:
                        raise RuntimeError(f"router serve exited:\n{log.read_text()[-3000:]}") from None
            forever = float("inf")
            await drive(url, many_fetch.QUERY, forever, concurrency, requests=30)  # pools, plans, shapes
            _toggle("on", router.pid)
            _, _, failed = await drive(url, many_fetch.QUERY, forever, concurrency, requests=requests)
            _toggle("off", router.pid)
            router.terminate()
            router.wait(timeout=120)
            return _collected(log.read_text()), failed
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
                process.wait(timeout=120)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == INSIDE:
        asyncio.run(_engine_inside(int(sys.argv[2]), sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("measure", choices=["engine", "server"])
    parser.add_argument("--requests", type=int, help="requests counted (default: 10 engine, 100 server)")
    parser.add_argument("--part", choices=["all", "execute", "shape"], default="all", help="engine only")
    parser.add_argument("--concurrency", type=int, default=10, help="server only: requests in flight")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose router package runs")
    args = parser.parse_args()
    source = args.source.resolve()
    if args.measure == "engine":
        requests = args.requests or 10
        total = measure_engine(requests, args.part, source)
        print(f"engine ({args.part}), {source}: {total / requests:,.0f} instructions per request ({requests} requests)")
    else:
        requests = args.requests or 100
        total, failed = asyncio.run(measure_server(requests, args.concurrency, source))
        print(
            f"router serve, {source}: {total / requests:,.0f} instructions per request "
            f"({requests} requests, {args.concurrency} in flight, {failed} failed)"
        )


if __name__ == "__main__":
    main()
