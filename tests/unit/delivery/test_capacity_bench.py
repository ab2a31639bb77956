"""bench/capacity.py counts the CPU of every process of a role: ``marketplace up`` runs the router as a
supervisor and one worker per core with one command line, and each serves part of the requests (counting
one of them understated the router's CPU per request)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.capacity import TICKS, cpu_seconds_of, processes_by_role

pytestmark = pytest.mark.delivery
IDLE = "import time; time.sleep(60)"
BURN = 0.3  # CPU seconds each busy process spends
BUSY = f"import time\nend = time.process_time() + {BURN}\nwhile time.process_time() < end: pass\ntime.sleep(60)"
# /proc counts user and system time each in whole clock ticks, rounded down: a process that burnt BURN
# may show up to two ticks less (seen in CI: 0.59 for two processes of 0.3 s).
ONE_BURNT = BURN - 2 / TICKS


def _wait_for_exec(pid: int, argv: list[str]) -> None:
    """Until ``pid`` runs ``argv``: between fork and exec, /proc shows the parent's command line (in CI a
    process read right after it was started was not yet counted in its role)."""
    expected = "\0".join(argv[1:]).encode()
    deadline = time.monotonic() + 10
    while expected not in Path(f"/proc/{pid}/cmdline").read_bytes():
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} did not start {argv[1:]}")
        time.sleep(0.01)


@pytest.fixture
def processes() -> Iterator[dict[str, subprocess.Popen[bytes]]]:
    started = {
        "router-supervisor": [sys.executable, "-c", IDLE, "router", "serve", "--workers", "2"],
        "router-worker-1": [sys.executable, "-c", BUSY, "router", "serve", "--workers", "2"],
        "router-worker-2": [sys.executable, "-c", BUSY, "router", "serve", "--workers", "2"],
        "products": [sys.executable, "-c", IDLE, "marketplace", "serve", "products"],
        "worker": [sys.executable, "-c", IDLE, "marketplace", "worker"],
        "other": [sys.executable, "-c", IDLE],
    }
    children = {name: subprocess.Popen(argv) for name, argv in started.items()}
    try:
        for name, child in children.items():  # classified only once each has its own command line
            _wait_for_exec(child.pid, started[name])
        yield children
    finally:
        for child in children.values():
            child.kill()
            child.wait(10)


def test_every_process_of_a_role_is_counted(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    pids = [child.pid for child in processes.values()]
    roles = processes_by_role([*pids, 2**22 + 1])  # a PID that does not exist is left out
    router = sorted(processes[name].pid for name in ("router-supervisor", "router-worker-1", "router-worker-2"))
    assert roles == {"router": router, "products": [processes["products"].pid], "worker": [processes["worker"].pid]}
    deadline = time.monotonic() + 30
    while cpu_seconds_of(router) < 2 * ONE_BURNT and time.monotonic() < deadline:
        time.sleep(0.05)
    assert cpu_seconds_of(router) >= 2 * ONE_BURNT
    assert cpu_seconds_of(router) >= max(cpu_seconds_of([pid]) for pid in router) + ONE_BURNT
