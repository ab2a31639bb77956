"""What ``traffic_shaping.*.global_rate_limit`` adds to a request: the cost of one token taken.

Three cases: a bucket in the process's memory (one router process), a bucket shared through its file
(``router serve --workers N``: mmap and ``flock``) taken by one process, and the same file taken by two
processes at once, as two busy workers do. Each prints the median over ``--repeat`` runs of
``--takes`` takes (a budget too large to run out, so every take is admitted and does the full work).

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

from router.server.rate_limit import SharedTokenBucket, TokenBucket  # noqa: E402

BUDGET = 10**12  # never runs out within a run
INTERVAL = 1.0


def _time_takes(bucket: TokenBucket, takes: int) -> float:
    """Nanoseconds per take."""
    started = time.perf_counter_ns()
    for _ in range(takes):
        bucket.take()
    return (time.perf_counter_ns() - started) / takes


def _contender(path: str, takes: int, start: Any, results: Any) -> None:
    bucket = SharedTokenBucket(Path(path), BUDGET, INTERVAL)
    results.put("ready")
    start.wait()
    results.put(_time_takes(bucket, takes))
    bucket.close()


def _two_processes(path: str, takes: int) -> float:
    """Nanoseconds per take seen by each of two processes taking from one file at once (their mean)."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    processes = [context.Process(target=_contender, args=(path, takes, start, results)) for _ in range(2)]
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
    with tempfile.TemporaryDirectory(prefix="bench-rate-limit-") as folder:
        local = TokenBucket(BUDGET, INTERVAL)
        shared = SharedTokenBucket(Path(folder) / "one.bucket", BUDGET, INTERVAL)
        rows = [
            ("in memory (one process)", [_time_takes(local, args.takes) for _ in range(args.repeat)]),
            ("shared file, one process", [_time_takes(shared, args.takes) for _ in range(args.repeat)]),
            (
                "shared file, two processes at once",
                [_two_processes(str(Path(folder) / "two.bucket"), args.takes) for _ in range(args.repeat)],
            ),
        ]
        shared.close()
    print(f"one token taken, median of {args.repeat} runs of {args.takes:,} takes:")
    for name, timings in rows:
        print(f"  {name:<36} {statistics.median(timings) / 1000:>7.2f} µs")


if __name__ == "__main__":
    main()
