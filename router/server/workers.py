"""``router serve --workers N``: one supervisor and N worker processes sharing the listening port.

Python runs one request at a time per process, so one process is one core. With more than one worker,
the process started as ``router serve`` becomes a supervisor: it reserves the port, then starts N copies
of itself (same arguments, ``MARKETPLACE_ROUTER_WORKER`` set to the worker's index) that each load the
supergraph, build their own engine, plan cache and connection pool, and listen on the port with
``SO_REUSEPORT``, so the kernel spreads incoming connections over them. They share the parent's
stdout/stderr (one log stream).

- **Stop**: SIGTERM or SIGINT to the supervisor is passed on as SIGTERM; every worker drains
  (``MARKETPLACE_DRAIN_SECONDS``) and finishes its in-flight requests; the supervisor exits when all have.
  Workers ignore SIGINT (Ctrl-C in a terminal reaches the whole process group, the supervisor's
  SIGTERM follows) and stop by themselves if the supervisor disappears.
- **Hot reload**: each worker polls the supergraph source itself; SIGHUP to the supervisor makes every
  worker check at once.
- **Rate and concurrency limits** (``traffic_shaping.*.global_rate_limit``, ``router.concurrency_limit``):
  the buckets and the count live in files of a folder the supervisor creates
  (``MARKETPLACE_ROUTER_SHARED_DIR``), so a limit counts the whole router.
- **Metrics**: the workers write prometheus_client's multiprocess files into a folder the supervisor
  creates (``PROMETHEUS_MULTIPROC_DIR``), and ``/metrics`` from any worker sums all of them.
- A worker that dies on its own is started again (a start-up failure, exit status 1 or 2 within the
  first seconds, stops the whole router with that status instead: the configuration is bad).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from types import FrameType

from starlette.applications import Starlette

from router.server.shared_file import SHARED_DIR_ENV

log = logging.getLogger(__name__)

WORKER_ENV = "MARKETPLACE_ROUTER_WORKER"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# A worker failing this soon after its start with status 1 or 2 failed to start (bad supergraph or config).
STARTUP_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 90.0


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity, which containers and ``taskset`` narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def worker_index() -> int | None:
    """This process's worker index when a supervisor started it, else ``None``."""
    value = os.environ.get(WORKER_ENV)
    return int(value) if value is not None and value.isdigit() else None


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` with ``SO_REUSEPORT`` (the caller or the server listens on it)."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind(address)
    sock.set_inheritable(False)
    return sock


class Supervisor:
    """Starts, watches and stops the worker processes (see the module docstring)."""

    def __init__(self, argv: list[str], workers: int, host: str, port: int) -> None:
        self.argv = argv
        self.workers = workers
        self.host = host
        self.port = port
        self.children: dict[int, subprocess.Popen[bytes]] = {}
        self.started: dict[int, float] = {}
        self.stopping = False
        self.metrics_dir = ""
        self.shared_dir = ""  # the workers' rate-limit buckets and in-flight count (router/server/shared_file.py)

    def run(self) -> int:
        try:
            # Bound (not listening) for the supervisor's lifetime: the port is known free before any worker
            # starts, and no other program can take it between two workers' (re)starts.
            reservation = reuseport_socket(self.host, self.port)
        except OSError as error:
            print(f"error: cannot listen on {self.host}:{self.port}: {error.strerror or error}", file=sys.stderr)
            return 1
        own_dir = MULTIPROC_ENV not in os.environ
        self.metrics_dir = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="router-metrics-")
        self.shared_dir = tempfile.mkdtemp(prefix="router-shared-")
        for name in ("SIGTERM", "SIGINT", "SIGHUP"):
            signal.signal(getattr(signal, name), self._on_signal)
        log.info("router supervisor %d starting %d workers on %s:%d", os.getpid(), self.workers, self.host, self.port)
        status = 0
        try:
            for index in range(self.workers):
                self._start(index)
            status = self._watch()
        finally:
            self._stop_all()
            reservation.close()
            if own_dir:
                shutil.rmtree(self.metrics_dir, ignore_errors=True)
            shutil.rmtree(self.shared_dir, ignore_errors=True)
        log.info("router supervisor stopped")
        return status

    def _start(self, index: int) -> None:
        env = {**os.environ, WORKER_ENV: str(index), MULTIPROC_ENV: self.metrics_dir, SHARED_DIR_ENV: self.shared_dir}
        # Our own interpreter and module, with the arguments this process was started with.
        self.children[index] = subprocess.Popen([sys.executable, "-m", "router", *self.argv], env=env)  # noqa: S603
        self.started[index] = time.monotonic()

    def _on_signal(self, sig: int, _frame: FrameType | None) -> None:
        if sig == signal.SIGHUP:
            self._send(signal.SIGHUP)
            return
        if not self.stopping:
            self.stopping = True
            self._send(signal.SIGTERM)

    def _send(self, sig: int) -> None:
        for child in self.children.values():
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.send_signal(sig)

    def _watch(self) -> int:
        while not self.stopping:
            time.sleep(0.2)
            for index, child in list(self.children.items()):
                code = child.poll()
                if code is None or self.stopping:
                    continue
                self._forget(child)
                if code in (1, 2) and time.monotonic() - self.started[index] < STARTUP_SECONDS:
                    log.error("router worker %d failed to start (exit status %d); stopping", index, code)
                    self.stopping = True
                    return code
                log.error("router worker %d (pid %d) exited with status %s; starting it again", index, child.pid, code)
                self._start(index)
        return 0

    def _forget(self, child: subprocess.Popen[bytes]) -> None:
        from prometheus_client import multiprocess

        # Drops the dead worker's "live" gauges; its counters stay in the sums.
        multiprocess.mark_process_dead(child.pid, self.metrics_dir)  # type: ignore[no-untyped-call]

    def _stop_all(self) -> None:
        self._send(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("router worker pid %d did not stop in time; killing it", child.pid)
                child.kill()
                child.wait()
            self._forget(child)


def serve_worker(app: Starlette, index: int, *, host: str, port: int, drain_seconds: float, log_level: str) -> None:
    """Serve ``app`` as worker ``index``: its own ``SO_REUSEPORT`` listener, SIGHUP for a reload check."""
    import asyncio

    from router.server.app import HTTP_PROTOCOL
    from servicekit.serve import DrainingServer, uvicorn_config

    class WorkerServer(DrainingServer):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            if sig == signal.SIGINT:
                return  # Ctrl-C reached the whole process group; the supervisor's SIGTERM follows
            super().handle_exit(sig, frame)

    # The same settings as a single router (servicekit.serve): its HTTP protocol, problem-document 400s,
    # no proxy-header rewriting, ``Connection: close`` while draining.
    config = uvicorn_config(
        app,
        host=host,
        port=port,
        drain_seconds=drain_seconds,
        log_level=log_level,
        http=HTTP_PROTOCOL,
        headers=[("x-router-worker", str(index))],
    )
    server = WorkerServer(config, app, drain_seconds)
    sock = reuseport_socket(host, port)
    metrics = getattr(app.state, "metrics", None)
    reloader = getattr(app.state, "reloader", None)
    supervisor = os.getppid()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task[object]] = set()

        def reload_now() -> None:
            if reloader is not None:
                task = loop.create_task(reloader.check())
                tasks.add(task)
                task.add_done_callback(tasks.discard)

        loop.add_signal_handler(signal.SIGHUP, reload_now)

        async def watch() -> None:
            while True:
                await asyncio.sleep(1.0)
                if os.getppid() != supervisor:  # the supervisor died without stopping us
                    log.error("router worker %d: supervisor gone, stopping", index)
                    server.handle_exit(signal.SIGTERM, None)
                    return
                if metrics is not None:
                    metrics.sync()

        watcher = loop.create_task(watch())
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()

    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(main())
