"""bench/router.py prints issue 17's goals with a verdict each: floors and ceilings read the right way,
and a goal the run did not measure (no round-start baseline) says so instead of passing."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from bench.many_compare import ROUND_START, _on_cpus, issue_17_goals, placement

pytestmark = pytest.mark.delivery


def _row(rps: float, rps_per_cpu: float, p50: float = 80.0, p99: float = 100.0, rss: float = 100.0) -> dict[str, Any]:
    return {"rps": rps, "rps_per_cpu": rps_per_cpu, "p50": p50, "p99": p99, "rss": rss}


ROWS = {
    ("unique", "apollo"): _row(100, 100, p50=400, p99=500, rss=300),
    ("unique", "@a6617ed"): _row(280, 280),
    ("unique", "router"): _row(600, 650, p50=80, p99=130),  # 2.3x the start, 6.5x Apollo, p99 1.63x p50
    ("unique", "router x2"): _row(1140, 700, rss=270),  # 1.9x one worker
    ("identical", "apollo"): _row(100, 90),
    ("identical", "router+dedup"): _row(9000, 9000),  # 100x
}


def test_each_goal_is_judged_the_right_way_round() -> None:
    goals = {goal: (figure, met) for goal, figure, met in issue_17_goals(ROWS, "@a6617ed")}
    assert goals == {
        f"one worker: 2x the round's start ({ROUND_START}), req per CPU-second": ("2.32x", True),
        "one worker: 7x Apollo Gateway, req per CPU-second": ("6.50x", False),
        "one worker: p99 at most 1.5x p50": ("1.62x", False),
        "one worker: RSS under 150 MB": ("100 MB", True),
        "two workers: 1.8x one worker's requests per second": ("1.90x", True),
        "identical requests, dedup on: 25x Apollo Gateway": ("100.00x", True),
    }


def test_a_goal_without_its_measurement_is_not_measured_rather_than_met() -> None:
    goals = issue_17_goals({key: row for key, row in ROWS.items() if key[1] != "router x2"}, None)
    unmeasured = [goal for goal, figure, met in goals if met is None and figure == "-"]
    assert unmeasured == [
        f"one worker: 2x the round's start ({ROUND_START}), req per CPU-second",
        "two workers: 1.8x one worker's requests per second",
    ]


def test_pinning_gives_the_measured_router_a_cpu_of_its_own() -> None:
    assert placement({0, 1}) == ({1}, {0})
    assert placement({0, 2, 5, 7}) == ({7}, {0, 2, 5})
    assert placement({3}) is None  # one CPU: nothing to pin apart


def test_a_process_started_on_chosen_cpus_runs_there_and_the_bench_keeps_its_own() -> None:
    before = os.sched_getaffinity(0)
    chosen = {max(before)}
    with _on_cpus(chosen):
        child = subprocess.run(
            [sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
            capture_output=True,
            text=True,
            check=True,
        )
    assert child.stdout.strip() == str(sorted(chosen))
    assert os.sched_getaffinity(0) == before
