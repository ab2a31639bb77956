"""``marketplace up``: embedded servers when no URLs are set, migrations, the edge, every process
supervised (a crashed one is restarted), rolling restarts on SIGHUP, and a clean stop in reverse start
order (routers, workers, subgraphs, nginx, then Redis and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from typing import Any

from sqlalchemy.engine import make_url

from db.migrate import migrate_all
from db.wait import DatabaseUnavailable
from marketplace.backend_watch import WatchedBackend, watch_backend
from marketplace.edge import INSTALL_HINT, Edge, find_nginx
from marketplace.embedded import Backends, backends
from marketplace.processes import ProcessFailed, Supervisor
from marketplace.rolling import PID_FILE, RESTART_REQUEST, rolling_restart
from marketplace.settings import EdgeMode, LauncherSettings
from marketplace.stack import SERVICES, Stack, plan_edge, plan_stack


def display_database_url(url: str) -> str:
    """A URL psql accepts (``postgresql://``, password hidden), e.g. the embedded server's socket URL."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=True)


def _urls(stack: Stack, edge: Edge | None) -> list[str]:
    lines = []
    for spec in stack.all:
        if spec.ready_url:
            base = spec.ready_url.removesuffix("/ready")
            lines.append(f"  {spec.name:<12} {base}/graphql")
    if stack.routers:
        base = stack.routers[0].ready_url.removesuffix("/ready") if stack.routers[0].ready_url else ""
        lines.append(f"  {'GraphiQL':<12} {base}/graphql (in a browser)")
        lines.append(f"  {'REST docs':<12} {base}/docs")
    if edge is not None:
        front = f"https://{edge.config.host}:{edge.config.https_port}"
        lines.append(f"  {'HTTPS front':<12} {front}/graphql  {front}/docs (self-signed: {edge.config.certificate})")
    return lines


def _choose_edge(settings: LauncherSettings, replicas: int, supervisor: Supervisor) -> tuple[str | None, bool]:
    """(the nginx binary or None, ok). nginx runs whenever installed unless the edge is off; with
    several replicas (or ``EDGE=on``) it is required, since only the edge reaches every instance."""
    if settings.edge is EdgeMode.OFF:
        return None, True
    binary = find_nginx()
    if binary is None and (replicas >= 2 or settings.edge is EdgeMode.ON):
        supervisor.say("launcher", f"error: {INSTALL_HINT}")
        return None, False
    return binary, True


def _watch_backends(supervisor: Supervisor, found: Backends) -> list[asyncio.Task[None]]:
    watched = []
    if found.postgres is not None:
        watched.append(WatchedBackend("postgres", found.postgres.alive, found.postgres.restart))
    if found.redis is not None:
        watched.append(WatchedBackend("redis", found.redis.alive, found.redis.launch))
    return [asyncio.create_task(watch_backend(supervisor, backend)) for backend in watched]


async def _start(
    supervisor: Supervisor, stack: Stack, edge: Edge | None, settings: LauncherSettings, stop: asyncio.Event
) -> None:
    if edge is not None:
        edge.write()
        edge.check()
        edge.child = await supervisor.start(edge.spec())
        await edge.wait_listening()
    for group in (stack.subgraphs, stack.workers, stack.routers):
        started = [await supervisor.start(spec) for spec in group]
        await asyncio.gather(*(supervisor.wait_ready(r, settings.ready_timeout_seconds) for r in started))
        if stop.is_set():  # Ctrl-C while starting: start nothing more
            return


async def run_stack(settings: LauncherSettings, replicas: int = 1) -> int:
    supervisor = Supervisor()
    stop = asyncio.Event()
    restarts: asyncio.Queue[str] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: restarts.put_nowait(_read_restart_request(settings)))
    binary, ok = _choose_edge(settings, replicas, supervisor)
    if not ok:
        return 2
    with backends(settings.data_dir, settings.database_url, settings.broker_url) as found:
        supervisor.say("launcher", f"database {display_database_url(found.database_url)}")
        supervisor.say("launcher", f"broker   {found.broker_url.split('@')[-1]}")
        watchers = _watch_backends(supervisor, found)
        urls = {service: settings.service_database_url(service) or found.database_url for service in SERVICES}
        try:
            await migrate_all(urls)
        except DatabaseUnavailable as error:
            supervisor.say("launcher", f"error: {error}")
            for watcher in watchers:
                watcher.cancel()
            return 1
        supervisor.say("launcher", "migrations applied")
        edge = plan_edge(settings, binary, replicas) if binary else None
        stack = plan_stack(settings, found.database_url, found.broker_url, replicas, balanced=edge is not None)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        (settings.data_dir / PID_FILE).write_text(str(os.getpid()))
        rolling: asyncio.Task[None] | None = None
        try:
            await _start(supervisor, stack, edge, settings, stop)
            if stop.is_set():
                return 0
            supervisor.say("launcher", "ready:\n" + "\n".join(_urls(stack, edge)))
            supervisor.say("launcher", "press Ctrl-C to stop (`marketplace restart [SERVICE]` restarts one at a time)")
            supervisor.supervise()
            while True:
                waits: dict[asyncio.Future[Any], str] = {
                    asyncio.ensure_future(stop.wait()): "stop",
                    asyncio.ensure_future(restarts.get()): "restart",
                    asyncio.ensure_future(asyncio.shield(supervisor.fatal)): "fatal",
                }
                done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for task in pending:
                    task.cancel()
                first = next(iter(done))
                kind = waits[first]
                if kind == "stop":
                    return 0
                if kind == "fatal":
                    supervisor.say("launcher", f"error: {supervisor.fatal.result()}; stopping all")
                    return 1
                if rolling is not None and not rolling.done():
                    supervisor.say("launcher", "a rolling restart is already running; request ignored")
                    continue
                rolling = asyncio.create_task(rolling_restart(supervisor, first.result() or None))
        except (ProcessFailed, RuntimeError) as error:
            supervisor.say("launcher", f"error: {error}")
            return 1
        finally:
            supervisor.say("launcher", "stopping")
            if rolling is not None:
                rolling.cancel()
            for watcher in watchers:
                watcher.cancel()
            nginx = [edge.spec()] if edge is not None else []
            await supervisor.stop_all([stack.routers, stack.workers, stack.subgraphs, nginx])
            with contextlib.suppress(FileNotFoundError):
                (settings.data_dir / PID_FILE).unlink()
            supervisor.say("launcher", "stopped")


def _read_restart_request(settings: LauncherSettings) -> str:
    path = settings.data_dir / RESTART_REQUEST
    try:
        service = path.read_text().strip()
    except FileNotFoundError:
        return ""
    path.unlink(missing_ok=True)
    return service


def up(settings: LauncherSettings, replicas: int) -> int:
    try:
        return asyncio.run(run_stack(settings, replicas))
    except KeyboardInterrupt:
        return 130
    finally:
        sys.stdout.flush()
