"""What ``traffic_shaping``'s limits add to a request: a token of ``global_rate_limit`` taken, and a place
of ``router.concurrency_limit`` entered and left.

Three cases each: the state in the process's memory (one router process), shared through its file
(``router serve --workers N``: mmap and ``flock``) by one process, and the same file used by two
processes at once, as two busy workers do. Each prints the median over ``--repeat`` runs of
``--takes`` operations (a budget and a limit too large to run out, so every one is admitted and does
the full work).

    uv run python bench/rate_limit.py [--takes 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from router.server.in_flight import InFlight, SharedInFlight  # noqa: E402
from router.server.rate_limit import SharedTokenBucket, TokenBucket  # noqa: E402

BUDGET = 10**12  # never runs out within a run
INTERVAL = 1.0


def _time_takes(bucket: TokenBucket, takes: int) -> float:
    """Nanoseconds per take."""
    started = time.perf_counter_ns()
    for _ in range(takes):
        bucket.take()
    return (time.perf_counter_ns() - started) / takes


def _time_places(count: InFlight, takes: int) -> float:
    """Nanoseconds per place entered and left (what one admitted request costs)."""
    started = time.perf_counter_ns()
    for _ in range(takes):
        count.enter()
        count.leave()
    return (time.perf_counter_ns() - started) / takes


def _open_shared(kind: str, path: str, slot: int) -> SharedTokenBucket | SharedInFlight:
    if kind == "bucket":
        return SharedTokenBucket(Path(path), BUDGET, INTERVAL)
    return SharedInFlight(Path(path), BUDGET, slot)


def _time(state: TokenBucket | InFlight, takes: int) -> float:
    return _time_takes(state, takes) if isinstance(state, TokenBucket) else _time_places(state, takes)


def _contender(kind: str, path: str, slot: int, takes: int, start: Any, results: Any) -> None:
    state = _open_shared(kind, path, slot)
    results.put("ready")
    start.wait()
    results.put(_time(state, takes))
    state.close()


def _two_processes(kind: str, path: str, takes: int) -> float:
    """Nanoseconds per operation seen by each of two processes using one file at once (their mean)."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [
        context.Process(target=_contender, args=(kind, path, slot, takes, start, results)) for slot in range(2)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        results.get(timeout=60)  # ready
    start.set()
    timings: list[float] = [results.get(timeout=600) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return float(statistics.mean(timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--takes", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = range(args.repeat)
    with tempfile.TemporaryDirectory(prefix="bench-rate-limit-") as folder:
        for kind, title, local in (
            ("bucket", "one token taken (global_rate_limit)", TokenBucket(BUDGET, INTERVAL)),
            ("in-flight", "one place entered and left (concurrency_limit)", InFlight(BUDGET)),
        ):
            shared = _open_shared(kind, str(Path(folder) / f"one.{kind}"), 0)
            rows = [
                ("in memory (one process)", [_time(local, args.takes) for _ in runs]),
                ("shared file, one process", [_time(shared, args.takes) for _ in runs]),
                (
                    "shared file, two processes at once",
                    [_two_processes(kind, str(Path(folder) / f"two-{run}.{kind}"), args.takes) for run in runs],
                ),
            ]
            shared.close()
            print(f"{title}, median of {args.repeat} runs of {args.takes:,}:")
            for name, timings in rows:
                print(f"  {name:<36} {statistics.median(timings) / 1000:>7.2f} µs")


if __name__ == "__main__":
    main()
