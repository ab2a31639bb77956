"""The whole platform as a newcomer runs it (``marketplace up``), on free ports, for e2e tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    marker: str
    data_dir: Path
    lines: list[str] = field(default_factory=list)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"marketplace up exited ({self.process.returncode}):\n{self.output}")
            time.sleep(0.1)
        raise TimeoutError(f"no line {text!r} after {timeout:g}s:\n{self.output}")

    def stop(self, timeout: float = 60.0, *, ctrl_c: bool = False) -> int:
        """SIGTERM to the launcher; ``ctrl_c``: SIGINT to its whole process group, as a terminal's
        Ctrl-C does (every process the launcher did not put in a session of its own gets it too)."""
        if self.process.poll() is None:
            if ctrl_c:
                os.killpg(self.process.pid, signal.SIGINT)
            else:
                self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def start_stack(
    data_dir: Path,
    *,
    database_url: str | None = None,
    broker_url: str | None = None,
    replicas: int = 1,
    edge: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> RunningStack:
    names = ("router", "users", "products", "orders", "https", "http")
    ports = {name: free_port() for name in names}
    ports.update({f"{service}_service": free_port() for service in ("users", "products", "orders")})
    marker = uuid.uuid4().hex
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MARKETPLACE_", "DATABASE_URL"))}
    env.pop("BROKER_URL", None)
    env.update({f"MARKETPLACE_{name.upper()}_PORT": str(port) for name, port in ports.items()})
    env.update({"MARKETPLACE_DATA_DIR": str(data_dir), "MARKETPLACE_TEST_MARKER": marker, "PYTHONUNBUFFERED": "1"})
    if database_url:
        env["MARKETPLACE_DATABASE_URL"] = database_url
    if broker_url:
        env["MARKETPLACE_BROKER_URL"] = broker_url
    if edge:
        env["MARKETPLACE_EDGE"] = edge
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "marketplace", "up", "--replicas", str(replicas)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a process group of its own, like a terminal's foreground job
    )
    stack = RunningStack(process, ports, marker, data_dir)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.lines.append(line.rstrip())

    threading.Thread(target=pump, daemon=True).start()
    return stack


def processes_with_marker(marker: str) -> list[int]:
    """PIDs of live processes whose environment carries ``marker`` (children inherit it)."""
    found = []
    needle = f"MARKETPLACE_TEST_MARKER={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@contextlib.contextmanager
def running_platform(
    data_dir: Path, *, database_url: str | None = None, broker_url: str | None = None, timeout: float = 240
) -> Iterator[RunningStack]:
    """``marketplace up`` until every process is ready; stopped (and checked to stop) on exit."""
    stack = start_stack(data_dir, database_url=database_url, broker_url=broker_url)
    try:
        stack.wait_for_line("press Ctrl-C to stop", timeout=timeout)
        yield stack
    finally:
        stack.stop()
