"""A small process supervisor: start children in their own process groups, prefix their output with
their name, wait until they answer ``/ready``, restart one that exits unexpectedly, restart them one at
a time on request, and stop every one of them (no orphans).

A child that dies while serving is started again after a backoff (0.5 s, doubling up to 10 s), one log
line per exit and per start. The group gives up, and the launcher stops everything, only when a child
keeps failing right at start (three exits in a row before ``min_uptime_seconds``) or spends its
restart budget (``budget`` restarts within ``window_seconds``): a crash loop is a bug to show, not to hide.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

import httpx

from marketplace.output import Output


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_url: str | None = None
    # What `marketplace restart SERVICE` names: "router", "users", "worker", ...
    service: str = ""
    port: int | None = None  # the HTTP port, for the edge to take it out of rotation


@dataclass(frozen=True)
class RestartPolicy:
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 10.0
    budget: int = 10
    window_seconds: float = 60.0
    min_uptime_seconds: float = 5.0
    quick_failures_allowed: int = 3

    def backoff(self, consecutive_failures: int) -> float:
        doubled = self.backoff_initial_seconds * 2 ** max(consecutive_failures - 1, 0)
        return float(min(self.backoff_max_seconds, doubled))


class ProcessFailed(Exception):
    pass


@dataclass(eq=False)
class Child:
    """One supervised process slot: the spec stays, the OS process changes at each restart."""

    spec: ProcessSpec
    process: asyncio.subprocess.Process
    pump: asyncio.Task[None]
    started_at: float
    restarts: deque[float] = field(default_factory=deque)
    quick_failures: int = 0
    planned_restart: bool = False
    restarted: asyncio.Event = field(default_factory=asyncio.Event)
    monitor: asyncio.Task[None] | None = None


async def exit_status(process: asyncio.subprocess.Process, poll_seconds: float = 0.2) -> int:
    """The exit status as soon as the process itself has exited. ``Process.wait()`` also waits until
    the output pipe closes, which a leftover of the process's group (a router worker whose supervisor
    was killed) holds open: the supervisor would not see the exit until that leftover ends."""
    waiter = asyncio.ensure_future(process.wait())
    try:
        while not waiter.done():
            if process.returncode is not None:
                return process.returncode
            await asyncio.wait({waiter}, timeout=poll_seconds)
        return waiter.result()
    finally:
        waiter.cancel()


class Supervisor:
    def __init__(
        self, output: TextIO | None = None, color: bool | None = None, policy: RestartPolicy | None = None
    ) -> None:
        self.out = Output(output, color)
        self.policy = policy or RestartPolicy()
        self.running: list[Child] = []
        self.stopping = False
        # Set with a message when a child keeps failing: the launcher then stops everything.
        self.fatal: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # Called with the child before a planned restart and after it is ready again (the edge takes
        # it out of rotation and back); both optional.
        self.before_planned_stop: Callable[[Child], Awaitable[None]] | None = None
        self.after_ready: Callable[[Child], Awaitable[None]] | None = None

    def say(self, name: str, line: str) -> None:
        self.out.say(name, line)

    async def _spawn(self, spec: ProcessSpec) -> tuple[asyncio.subprocess.Process, asyncio.Task[None]]:
        self.out.widen(spec.name)
        env = {**os.environ, **spec.env, "PYTHONUNBUFFERED": "1"}
        process = await asyncio.create_subprocess_exec(
            *spec.argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group, so stopping it stops its children too
        )
        assert process.stdout is not None
        self.say(spec.name, f"started (pid {process.pid})")
        return process, asyncio.create_task(self.out.pump(spec.name, process.stdout))

    async def start(self, spec: ProcessSpec) -> Child:
        process, pump = await self._spawn(spec)
        child = Child(spec, process, pump, time.monotonic())
        self.running.append(child)
        return child

    async def wait_ready(self, child: Child, timeout: float = 60.0) -> None:
        if child.spec.ready_url is None:
            return
        deadline = time.monotonic() + timeout
        process = child.process
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if process.returncode is not None:
                    raise ProcessFailed(f"{child.spec.name} exited with status {process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(child.spec.ready_url)).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise ProcessFailed(f"{child.spec.name} was not ready at {child.spec.ready_url} after {timeout:g}s")

    def supervise(self) -> None:
        """From now on, restart every started child that exits (call once everything is up)."""
        for child in self.running:
            if child.monitor is None:
                child.monitor = asyncio.create_task(self._monitor(child))

    def give_up(self, message: str) -> None:
        if not self.fatal.done():
            self.fatal.set_result(message)

    async def _monitor(self, child: Child) -> None:
        policy = self.policy
        while True:
            status = await exit_status(child.process)
            if not self.stopping:
                # What the dead process leaves in its group (a router's worker processes after a
                # kill -9 of their supervisor) still holds the port and the output pipe: end it now,
                # as supervisord's killasgroup does, so the restart neither waits for nor races it.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(child.process.pid, signal.SIGKILL)
            with contextlib.suppress(asyncio.CancelledError):
                await child.pump
            if self.stopping:
                return
            now = time.monotonic()
            uptime = now - child.started_at
            delay = 0.0
            if child.planned_restart:
                child.planned_restart = False
                self.say(child.spec.name, f"exited ({status}) for a restart")
            else:
                child.quick_failures = child.quick_failures + 1 if uptime < policy.min_uptime_seconds else 0
                while child.restarts and now - child.restarts[0] > policy.window_seconds:
                    child.restarts.popleft()
                if child.quick_failures >= policy.quick_failures_allowed:
                    self.give_up(f"{child.spec.name} failed {child.quick_failures} times right at start")
                    return
                if len(child.restarts) >= policy.budget:
                    self.give_up(f"{child.spec.name} used its {policy.budget} restarts in {policy.window_seconds:g}s")
                    return
                child.restarts.append(now)
                delay = policy.backoff(child.quick_failures)
                self.say(
                    child.spec.name,
                    f"exited unexpectedly ({status}) after {uptime:.1f}s; restarting in {delay:g}s "
                    f"(restart {len(child.restarts)} of {policy.budget} per {policy.window_seconds:g}s)",
                )
            await asyncio.sleep(delay)
            if self.stopping:
                return
            child.process, child.pump = await self._spawn(child.spec)
            child.started_at = time.monotonic()
            asyncio.create_task(self._announce_ready(child))  # noqa: RUF006 - ends with the child or on timeout

    async def _announce_ready(self, child: Child) -> None:
        process = child.process
        try:
            await self.wait_ready(child, timeout=60.0)
        except ProcessFailed:
            return  # the monitor sees the exit; a child that never gets ready is killed at stop
        if child.process is process:
            if child.spec.ready_url is not None:
                self.say(child.spec.name, f"ready after {time.monotonic() - child.started_at:.1f}s")
            if self.after_ready is not None:
                await self.after_ready(child)
            child.restarted.set()

    async def restart(self, child: Child, timeout: float = 90.0) -> None:
        """A planned restart: take it out of rotation, SIGTERM (the server drains), start, wait ready."""
        if self.before_planned_stop is not None:
            await self.before_planned_stop(child)
        child.restarted.clear()
        child.planned_restart = True
        self.say(child.spec.name, "stopping for a rolling restart")
        self._signal_group(child.process, signal.SIGTERM)
        await asyncio.wait_for(child.restarted.wait(), timeout)

    @staticmethod
    def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    async def stop_group(self, children: Sequence[Child], timeout: float = 15.0) -> None:
        """SIGTERM these children's process groups at once, SIGKILL what is left after ``timeout``."""
        for child in children:
            if child.process.returncode is None:
                self._signal_group(child.process, signal.SIGTERM)
        for child in children:
            try:
                await asyncio.wait_for(child.process.wait(), timeout)
            except TimeoutError:
                self.say(child.spec.name, f"did not stop within {timeout:g}s; killing it")
                self._signal_group(child.process, signal.SIGKILL)
                await child.process.wait()
            # the group may hold grandchildren that outlived their parent
            self._signal_group(child.process, signal.SIGKILL)
            with contextlib.suppress(asyncio.CancelledError):
                await child.pump

    async def stop_all(self, groups: Sequence[Sequence[ProcessSpec]] = (), timeout: float = 15.0) -> None:
        """Stop every child: the given groups of specs one group after the other (in that order), then
        whatever else runs, newest first. No restart happens once this starts."""
        self.stopping = True
        for child in self.running:
            if child.monitor is not None:
                child.monitor.cancel()
        for group in groups:
            names = {spec.name for spec in group}
            await self.stop_group([c for c in self.running if c.spec.name in names], timeout)
        for child in reversed(self.running):
            await self.stop_group([child], timeout)
        self.running.clear()
