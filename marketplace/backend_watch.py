"""Supervision of the embedded PostgreSQL and Redis, which are not plain children of the launcher
(pgserver daemonizes the postmaster through ``pg_ctl``): poll whether each is alive, and start a dead one
again with the same restart policy as the other processes (backoff, budget, one line per exit/start)."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from marketplace.processes import Supervisor


@dataclass
class WatchedBackend:
    name: str
    alive: Callable[[], bool]
    restart: Callable[[], None]  # blocking: runs in a thread
    restarts: deque[float] = field(default_factory=deque)


async def watch_backend(supervisor: Supervisor, backend: WatchedBackend, interval: float = 0.5) -> None:
    """Runs until cancelled (the launcher cancels it before stopping the backends)."""
    policy = supervisor.policy
    failures = 0
    while not supervisor.stopping:
        await asyncio.sleep(interval)
        alive: bool = await asyncio.to_thread(backend.alive)
        if supervisor.stopping or alive:
            continue
        now = time.monotonic()
        while backend.restarts and now - backend.restarts[0] > policy.window_seconds:
            backend.restarts.popleft()
        if len(backend.restarts) >= policy.budget:
            supervisor.give_up(f"{backend.name} used its {policy.budget} restarts in {policy.window_seconds:g}s")
            return
        backend.restarts.append(now)
        supervisor.say(backend.name, f"exited unexpectedly; restarting (restart {len(backend.restarts)})")
        try:
            await asyncio.to_thread(backend.restart)
        except Exception as error:
            failures += 1
            supervisor.say(backend.name, f"restart failed: {error}")
            await asyncio.sleep(policy.backoff(failures))
            continue
        failures = 0
        supervisor.say(backend.name, "started again")
