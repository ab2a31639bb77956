"""The count of ``traffic_shaping.router.concurrency_limit``: in one process, and shared by processes through
one file (the workers of ``router serve --workers N``), with a dead worker's share taken back."""

from __future__ import annotations

import multiprocessing
import struct
from pathlib import Path
from typing import Any

import pytest

from router.server.in_flight import FILE_NAME, InFlight, SharedInFlight, open_in_flight

pytestmark = pytest.mark.router


def test_past_the_limit_a_request_is_refused_until_one_leaves() -> None:
    count = InFlight(3)
    assert [count.enter() for _ in range(5)] == [True, True, True, False, False]
    assert count.count == 3
    count.leave()
    assert count.enter() is True
    assert count.enter() is False
    with pytest.raises(ValueError, match="at least one"):
        InFlight(0)


def test_workers_opening_one_file_share_one_limit(tmp_path: Path) -> None:
    first = SharedInFlight(tmp_path / FILE_NAME, 3, slot=0)
    second = SharedInFlight(tmp_path / FILE_NAME, 3, slot=1)
    assert [first.enter(), first.enter(), second.enter()] == [True, True, True]
    assert second.enter() is False  # the limit counts both workers
    assert (first.count, second.count, first.own, second.own) == (3, 3, 2, 1)
    first.leave()
    assert second.enter() is True
    assert (first.own, second.own) == (1, 2)
    first.close()
    second.close()


def test_a_restarted_worker_takes_back_what_its_dead_predecessor_held(tmp_path: Path) -> None:
    """A worker that dies holding requests never leaves them; the replacement started under its index
    takes its slot's share off the total, so the limit is whole again."""
    path = tmp_path / FILE_NAME
    survivor = SharedInFlight(path, 4, slot=0)
    dying = SharedInFlight(path, 4, slot=1)
    assert [survivor.enter(), dying.enter(), dying.enter(), dying.enter()] == [True] * 4
    assert survivor.enter() is False
    dying.close()  # it dies: no leave() for its three requests
    assert survivor.count == 4
    replacement = SharedInFlight(path, 4, slot=1)
    assert (survivor.count, replacement.own) == (1, 0)
    assert [replacement.enter(), survivor.enter(), replacement.enter(), survivor.enter()] == [True] * 3 + [False]
    survivor.close()
    replacement.close()


def test_a_worker_of_a_higher_index_grows_the_file_without_disturbing_the_others(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    low = SharedInFlight(path, 10, slot=0)  # maps 16 bytes
    high = SharedInFlight(path, 10, slot=7)  # grows the file to 72
    assert path.stat().st_size == 72
    assert low.enter()
    assert high.enter()
    assert (low.count, low.own, high.own) == (2, 1, 1)
    low.close()
    high.close()


LIMIT, ATTEMPTS, RACERS = 25_000, 20_000, 3


def _enter_then_leave(path: str, slot: int, start: Any, leave: Any, results: Any) -> None:
    count = SharedInFlight(Path(path), LIMIT, slot)
    results.put("ready")
    start.wait()
    admitted = sum(count.enter() for _ in range(ATTEMPTS))
    results.put(admitted)
    leave.wait()
    for _ in range(admitted):
        count.leave()
    results.put(count.own)
    count.close()


def test_processes_entering_then_leaving_at_once_keep_the_count_exact(tmp_path: Path) -> None:
    """Three processes race for 25,000 places with 20,000 attempts each, then all leave every place they
    got at once: under the file lock exactly the limit is admitted and the count comes back to zero;
    without it, read-modify-write races admit more, and lose leaves."""
    context = multiprocessing.get_context("spawn")
    start, leave, results = context.Event(), context.Event(), context.Queue()
    path = str(tmp_path / FILE_NAME)
    processes = [
        context.Process(target=_enter_then_leave, args=(path, i, start, leave, results)) for i in range(RACERS)
    ]
    for process in processes:
        process.start()
    assert [results.get(timeout=60) for _ in processes] == ["ready"] * RACERS
    start.set()
    admitted = [results.get(timeout=60) for _ in processes]
    watcher = SharedInFlight(Path(path), LIMIT, slot=RACERS)
    held = watcher.count
    leave.set()
    left_over = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    print(f"admitted per process: {admitted}, total {sum(admitted)}; count {held}, then {watcher.count}")
    assert sum(admitted) == LIMIT == held
    assert min(admitted) > 0  # they did race: every process got some
    assert left_over == [0] * RACERS
    assert watcher.count == 0
    watcher.close()


def test_open_in_flight_shares_the_count_only_in_a_supervised_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MARKETPLACE_ROUTER_SHARED_DIR", raising=False)
    assert type(open_in_flight(5, worker=None)) is InFlight
    assert type(open_in_flight(5, worker=0)) is InFlight  # no folder: nothing to share through
    assert type(open_in_flight(5, worker=None, shared_dir=str(tmp_path))) is InFlight
    shared = open_in_flight(5, worker=2, shared_dir=str(tmp_path))
    assert isinstance(shared, SharedInFlight)
    assert (tmp_path / FILE_NAME).exists()
    shared.close()


def test_a_restart_makes_the_total_again_from_every_workers_share(tmp_path: Path) -> None:
    """A worker killed between its two writes (the total, then its share) leaves them disagreeing; the
    next worker started makes the total again from the shares, whatever it was."""
    path = tmp_path / FILE_NAME
    first = SharedInFlight(path, 10, slot=0)
    second = SharedInFlight(path, 10, slot=1)
    assert [first.enter(), second.enter(), second.enter()] == [True] * 3
    with path.open("r+b") as file:  # the total as a death mid-update could leave it: one too many
        file.write(struct.pack("=q", 4))
    second.close()
    replacement = SharedInFlight(path, 10, slot=1)
    assert (replacement.count, first.own, replacement.own) == (1, 1, 0)
    first.close()
    replacement.close()
