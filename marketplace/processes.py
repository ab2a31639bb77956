"""A small process supervisor: start children in their own process groups, prefix their output
with their name, wait until they answer ``/ready``, and stop every one of them (no orphans)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

import httpx

COLORS = ("36", "35", "33", "32", "34", "31", "96", "95", "93", "92")


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_url: str | None = None


@dataclass
class RunningProcess:
    spec: ProcessSpec
    process: asyncio.subprocess.Process
    pump: asyncio.Task[None]


class ProcessFailed(Exception):
    pass


class Supervisor:
    def __init__(self, output: TextIO | None = None, color: bool | None = None) -> None:
        self.output = output or sys.stdout
        self.color = self.output.isatty() if color is None else color
        self.running: list[RunningProcess] = []
        self._width = 10

    def _prefix(self, name: str) -> str:
        label = f"{name:<{self._width}} |"
        if not self.color:
            return label
        color = COLORS[sum(map(ord, name)) % len(COLORS)]
        return f"\x1b[{color}m{label}\x1b[0m"

    def say(self, name: str, line: str) -> None:
        self.output.write(f"{self._prefix(name)} {line}\n")
        self.output.flush()

    async def _pump(self, name: str, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.say(name, line.decode(errors="replace").rstrip())

    async def start(self, spec: ProcessSpec) -> RunningProcess:
        self._width = max(self._width, len(spec.name))
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
        running = RunningProcess(spec, process, asyncio.create_task(self._pump(spec.name, process.stdout)))
        self.running.append(running)
        return running

    async def wait_ready(self, running: RunningProcess, timeout: float = 60.0) -> None:
        if running.spec.ready_url is None:
            return
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if running.process.returncode is not None:
                    raise ProcessFailed(f"{running.spec.name} exited with status {running.process.returncode}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(running.spec.ready_url)).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise ProcessFailed(f"{running.spec.name} was not ready at {running.spec.ready_url} after {timeout:g}s")

    async def first_exit(self) -> RunningProcess:
        """Wait until any child exits (a crash while serving) and return it; with no child, wait forever."""
        if not self.running:
            await asyncio.Event().wait()
        waits = {asyncio.create_task(r.process.wait()): r for r in self.running}
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            return waits[next(iter(done))]
        finally:
            for task in waits:
                task.cancel()

    @staticmethod
    def _signal_group(process: asyncio.subprocess.Process, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    async def stop_all(self, timeout: float = 15.0) -> None:
        """SIGTERM every process group (newest first), then SIGKILL what is left after ``timeout``."""
        for running in reversed(self.running):
            if running.process.returncode is None:
                self._signal_group(running.process, signal.SIGTERM)
        for running in reversed(self.running):
            try:
                await asyncio.wait_for(running.process.wait(), timeout)
            except TimeoutError:
                self.say(running.spec.name, f"did not stop within {timeout:g}s; killing it")
                self._signal_group(running.process, signal.SIGKILL)
                await running.process.wait()
            # the group may hold grandchildren that outlived their parent
            self._signal_group(running.process, signal.SIGKILL)
            with contextlib.suppress(asyncio.CancelledError):
                await running.pump
        self.running.clear()
