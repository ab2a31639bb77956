"""Token buckets of ``traffic_shaping.*.global_rate_limit``: the budget in one process, and shared by
processes through one file (the workers of ``router serve --workers N``)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from router.server.rate_limit import SharedTokenBucket, TokenBucket, open_bucket, retry_after
from tests.support.hand_clock import Clock

pytestmark = pytest.mark.router


def test_a_full_bucket_lets_a_burst_of_capacity_through_then_refills_at_the_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(3, 1.0, clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = bucket.take()
    assert wait == pytest.approx(1 / 3)  # one token comes back every third of a second
    clock.now += wait
    assert bucket.take() == 0.0
    assert bucket.take() > 0
    clock.now += 3600  # a long pause refills to capacity, never beyond it
    assert [bucket.take() for _ in range(4)][:3] == [0.0, 0.0, 0.0]
    assert bucket.take() > 0


def test_over_a_long_run_no_more_than_capacity_per_interval_pass() -> None:
    clock = Clock()
    bucket = TokenBucket(10, 2.0, clock)
    admitted = 0
    for _ in range(80):  # 3 requests every 0.25 s (more than the rate) for 20 s; exact binary fractions
        admitted += sum(bucket.take() == 0.0 for _ in range(3))
        clock.now += 0.25
    # The first burst of 10, then 5 a second up to the last attempt at 19.75 s: 10 + 98.75, whole tokens.
    assert admitted == 108


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    assert [retry_after(w) for w in (0.001, 1.0, 1.2, 59.5)] == ["1", "1", "2", "60"]


def test_buckets_opened_on_one_file_share_one_budget(tmp_path: Path) -> None:
    clock = Clock()
    first = SharedTokenBucket(tmp_path / "b", 4, 60.0, clock)
    second = SharedTokenBucket(tmp_path / "b", 4, 60.0, clock)  # a second worker, later: the budget is not refilled
    assert [first.take(), second.take(), first.take(), second.take()] == [0.0] * 4
    assert first.take() > 0
    assert second.take() > 0
    clock.now += 15.0  # one token back (4 per minute), for whichever asks first
    assert second.take() == 0.0
    assert first.take() > 0
    first.close()
    second.close()


BUDGET, ATTEMPTS, RACERS = 25_000, 20_000, 3


def _take_many(path: str, start: Any, results: Any) -> None:
    bucket = SharedTokenBucket(Path(path), BUDGET, 1e9)  # no token comes back within the test
    results.put("ready")
    start.wait()
    results.put(sum(bucket.take() == 0.0 for _ in range(ATTEMPTS)))
    bucket.close()


def test_processes_taking_at_once_never_admit_more_than_the_budget(tmp_path: Path) -> None:
    """Three processes race for 25,000 tokens with 20,000 attempts each, all at once (no refill within
    the test): under the file lock exactly the budget is admitted; without it, read-modify-write races
    between the processes admit more."""
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    path = str(tmp_path / "race.bucket")
    processes = [context.Process(target=_take_many, args=(path, start, results)) for _ in range(RACERS)]
    for process in processes:
        process.start()
    assert [results.get(timeout=60) for _ in processes] == ["ready"] * RACERS
    start.set()
    admitted = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    print(f"admitted per process: {admitted}, total {sum(admitted)} of {RACERS * ATTEMPTS} attempts")
    assert sum(admitted) == BUDGET
    assert min(admitted) > 0  # they did race: every process got some


def test_open_bucket_is_in_memory_without_a_shared_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MARKETPLACE_ROUTER_SHARED_DIR", raising=False)
    assert type(open_bucket("router", 5, 1.0)) is TokenBucket
    shared = open_bucket("subgraph-a/b", 5, 1.0, str(tmp_path))
    assert isinstance(shared, SharedTokenBucket)
    assert shared.path.parent == tmp_path
    assert "/" not in shared.path.name
    shared.close()
