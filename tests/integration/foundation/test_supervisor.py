"""The launcher's supervisor with real processes: a child killed with SIGKILL comes back, a child that
fails right at start stops the group, a planned restart waits for ``/ready``, a stop goes group by
group, and the embedded Redis is started again when it dies."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import time
from pathlib import Path

import pytest
import redis

from marketplace.backend_watch import WatchedBackend, watch_backend
from marketplace.embedded_redis import start_embedded_redis
from marketplace.processes import ProcessFailed, ProcessSpec, RestartPolicy, Supervisor
from tests.support.servers import free_port

pytestmark = [pytest.mark.foundation, pytest.mark.integration]

FAST = RestartPolicy(backoff_initial_seconds=0.1, backoff_max_seconds=0.5, min_uptime_seconds=1.0)

# A child that serves GET /ready (200) on the given port until SIGTERM, then writes its name to a
# file (so a test sees the stop order) and exits.
SERVER = """
import http.server, signal, sys, time
name, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def stop(*_):
    time.sleep(0.2)
    open(log, "a").write(name + "\\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", port), Ready).serve_forever()
"""


def server_spec(name: str, log: Path, service: str = "svc") -> ProcessSpec:
    port = free_port()
    return ProcessSpec(
        name=name,
        argv=[sys.executable, "-c", SERVER, name, str(port), str(log)],
        ready_url=f"http://127.0.0.1:{port}/ready",
        service=service,
        port=port,
    )


async def wait_for(condition: object, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("condition not met")


async def test_a_killed_child_is_restarted_and_serves_again(tmp_path: Path) -> None:
    output = io.StringIO()
    supervisor = Supervisor(output, color=False, policy=FAST)
    child = await supervisor.start(server_spec("web", tmp_path / "stops"))
    try:
        await supervisor.wait_ready(child)
        supervisor.supervise()
        first_pid = child.process.pid
        os.kill(first_pid, signal.SIGKILL)
        await wait_for(lambda: child.process.pid != first_pid)
        await asyncio.wait_for(child.restarted.wait(), 15)
        await supervisor.wait_ready(child)
        lines = output.getvalue().splitlines()
        assert any("exited unexpectedly (-9)" in line and "restarting in 0.1s" in line for line in lines), lines
        assert sum("started (pid" in line for line in lines) == 2
        assert not supervisor.fatal.done()
    finally:
        await supervisor.stop_all()
    assert child.process.returncode is not None


# A child that starts a grandchild in its own process group which ignores SIGTERM and outlives it
# (like a router's worker processes whose supervisor is killed with SIGKILL), then serves /ready.
PARENT_OF_ORPHAN = """
import subprocess, sys
pidfile, port = sys.argv[1], sys.argv[2]
orphan = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
open(pidfile, "w").write(str(orphan.pid))
import http.server
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
http.server.HTTPServer(("127.0.0.1", int(port)), Ready).serve_forever()
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): read its state.
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


async def test_a_killed_childs_leftover_processes_are_ended_before_the_restart(tmp_path: Path) -> None:
    output = io.StringIO()
    supervisor = Supervisor(output, color=False, policy=FAST)
    port = free_port()
    pidfile = tmp_path / "orphan.pid"
    spec = ProcessSpec(
        name="parent",
        argv=[sys.executable, "-c", PARENT_OF_ORPHAN, str(pidfile), str(port)],
        ready_url=f"http://127.0.0.1:{port}/ready",
        service="svc",
        port=port,
    )
    child = await supervisor.start(spec)
    try:
        await supervisor.wait_ready(child)
        supervisor.supervise()
        orphan = int(pidfile.read_text())
        first_pid = child.process.pid
        os.kill(first_pid, signal.SIGKILL)
        await wait_for(lambda: child.process.pid != first_pid)
        # The leftover of the killed child's group is gone by the time its replacement starts.
        assert not alive(orphan)
        await supervisor.wait_ready(child)
    finally:
        await supervisor.stop_all()


async def test_a_child_that_keeps_failing_at_start_stops_the_group(tmp_path: Path) -> None:
    output = io.StringIO()
    supervisor = Supervisor(output, color=False, policy=FAST)
    healthy = await supervisor.start(server_spec("healthy", tmp_path / "stops"))
    # Runs long enough to be started, then fails at once after every restart.
    marker = tmp_path / "started-once"
    script = f"import os, sys, time\nif not os.path.exists({str(marker)!r}):\n    open({str(marker)!r}, 'w')\n"
    script += "    time.sleep(0.3)\nsys.exit(3)\n"
    await supervisor.start(ProcessSpec(name="broken", argv=[sys.executable, "-c", script]))
    try:
        await supervisor.wait_ready(healthy)
        supervisor.supervise()
        message = await asyncio.wait_for(supervisor.fatal, 20)
        assert message == "broken failed 3 times right at start"
        assert output.getvalue().count("broken     | exited unexpectedly (3)") == 2
    finally:
        await supervisor.stop_all()
    assert healthy.process.returncode == 0


async def test_a_child_that_dies_before_ready_fails_the_start(tmp_path: Path) -> None:
    supervisor = Supervisor(io.StringIO(), color=False, policy=FAST)
    spec = ProcessSpec(name="dies", argv=[sys.executable, "-c", "raise SystemExit(5)"], ready_url="http://127.0.0.1:9/")
    child = await supervisor.start(spec)
    try:
        with pytest.raises(ProcessFailed, match="dies exited with status 5"):
            await supervisor.wait_ready(child)
    finally:
        await supervisor.stop_all()


async def test_a_planned_restart_waits_for_ready_and_the_stop_goes_group_by_group(tmp_path: Path) -> None:
    stops = tmp_path / "stops"
    output = io.StringIO()
    supervisor = Supervisor(output, color=False, policy=FAST)
    backend = [server_spec("backend", stops, "backend")]
    front = [server_spec("front-1", stops, "front"), server_spec("front-2", stops, "front")]
    children = [await supervisor.start(spec) for spec in backend + front]
    taken_out: list[str] = []

    async def out_of_rotation(child: object) -> None:
        taken_out.append(child.spec.name)  # type: ignore[attr-defined]

    supervisor.before_planned_stop = out_of_rotation
    try:
        for child in children:
            await supervisor.wait_ready(child)
        supervisor.supervise()
        old_pid = children[1].process.pid
        await supervisor.restart(children[1])
        assert children[1].process.pid != old_pid
        assert children[1].process.returncode is None
        await supervisor.wait_ready(children[1], timeout=1)  # ready already: restart() waited for it
        assert taken_out == ["front-1"]
        assert stops.read_text().split() == ["front-1"]  # drained and exited by itself (SIGTERM)
        assert "exited unexpectedly" not in output.getvalue()
    finally:
        await supervisor.stop_all([front, backend])
    assert stops.read_text().split()[1:] in (["front-1", "front-2", "backend"], ["front-2", "front-1", "backend"])


async def test_the_embedded_redis_is_started_again_when_it_dies(tmp_path: Path) -> None:
    output = io.StringIO()
    supervisor = Supervisor(output, color=False, policy=FAST)
    embedded = start_embedded_redis(tmp_path)
    watcher = asyncio.create_task(
        watch_backend(supervisor, WatchedBackend("redis", embedded.alive, embedded.launch), interval=0.1)
    )
    try:
        client = redis.Redis(unix_socket_path=str(embedded.socket_path))
        client.set("kept", "yes")
        assert embedded.process is not None
        first = embedded.process.pid
        embedded.process.kill()
        await wait_for(lambda: embedded.process is not None and embedded.process.pid != first and embedded.alive())
        await wait_for(lambda: _pings(embedded.socket_path))
        assert redis.Redis(unix_socket_path=str(embedded.socket_path)).get("kept") == b"yes"  # append-only file
        assert "redis      | exited unexpectedly; restarting (restart 1)" in output.getvalue()
    finally:
        watcher.cancel()
        embedded.stop()


def _pings(socket_path: Path) -> bool:
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path)).ping())
    except redis.ConnectionError:
        return False
