"""Rolling restarts: ``marketplace restart [SERVICE]`` (or SIGHUP to the launcher) restarts the
instances of each service one at a time (the services side by side). Each instance is sent SIGTERM:
it fails ``/ready`` and drains (``MARKETPLACE_DRAIN_SECONDS``, answering with ``Connection: close`` so
the edge keeps no idle connection to it), stops listening (the edge then sends new connections to
the other instance), finishes its requests and exits; it is started again, and only once its
``/ready`` answers 200 does the next instance go. Clients see no error."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from marketplace.processes import Child, Supervisor
from marketplace.settings import LauncherSettings

PID_FILE = "launcher.pid"
RESTART_REQUEST = "launcher.restart"
SETTLE_SECONDS = 3.0


async def rolling_restart(supervisor: Supervisor, service: str | None) -> None:
    """Restart the chosen processes; within a service one at a time (the others keep serving), the
    services side by side (like one rollout per Kubernetes Deployment)."""
    by_service: dict[str, list[Child]] = {}
    for child in list(supervisor.running):
        if child.spec.service != "nginx" and (service is None or child.spec.service == service):
            by_service.setdefault(child.spec.service, []).append(child)
    if not by_service:
        supervisor.say("launcher", f"rolling restart: no process of service {service!r}")
        return
    count = sum(len(children) for children in by_service.values())
    supervisor.say("launcher", f"rolling restart of {count} processes, one instance of each service at a time")
    results = await asyncio.gather(*(_one_by_one(supervisor, children) for children in by_service.values()))
    supervisor.say("launcher", "rolling restart done" if all(results) else "rolling restart stopped")


async def _one_by_one(supervisor: Supervisor, children: list[Child]) -> bool:
    for index, child in enumerate(children):
        if index:
            # nginx skipped the previous instance while it was down, and takes it back only once its
            # fail_timeout (2 s) is over: stopping this one sooner would leave the service no instance.
            await asyncio.sleep(SETTLE_SECONDS)
        try:
            await supervisor.restart(child)
        except TimeoutError:
            supervisor.say("launcher", f"rolling restart: {child.spec.name} did not come back; stopping there")
            return False
    return True


def request_restart(settings: LauncherSettings, service: str | None) -> int:
    """``marketplace restart [SERVICE]``: ask the running launcher (its pid file in the data folder)."""
    pid_path = settings.data_dir / PID_FILE
    try:
        pid = int(pid_path.read_text())
    except (FileNotFoundError, ValueError):
        print(f"error: no running `marketplace up` (no {pid_path})", file=sys.stderr)
        return 1
    (settings.data_dir / RESTART_REQUEST).write_text(service or "")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        print(f"error: the launcher (pid {pid}) is not running", file=sys.stderr)
        return 1
    print(f"rolling restart of {service or 'every service'} asked of the launcher (pid {pid})")
    return 0
