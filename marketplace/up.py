"""``marketplace up``: embedded servers when no URLs are set, migrations, every process, clean stop."""

from __future__ import annotations

import asyncio
import signal
import sys

from db.migrate import migrate_all
from db.wait import DatabaseUnavailable
from marketplace.embedded import backends
from marketplace.processes import ProcessFailed, Supervisor
from marketplace.settings import LauncherSettings
from marketplace.stack import SERVICES, Stack, plan_stack


def _urls(stack: Stack) -> list[str]:
    lines = []
    for spec in stack.all:
        if spec.ready_url:
            base = spec.ready_url.removesuffix("/ready")
            lines.append(f"  {spec.name:<12} {base}/graphql")
    return lines


async def run_stack(settings: LauncherSettings, replicas: int = 1) -> int:
    supervisor = Supervisor()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with backends(settings.data_dir, settings.database_url, settings.broker_url) as found:
        supervisor.say("launcher", f"database {found.database_url.split('@')[-1]}")
        supervisor.say("launcher", f"broker   {found.broker_url.split('@')[-1]}")
        urls = {service: settings.service_database_url(service) or found.database_url for service in SERVICES}
        try:
            await migrate_all(urls)
        except DatabaseUnavailable as error:
            supervisor.say("launcher", f"error: {error}")
            return 1
        supervisor.say("launcher", "migrations applied")
        stack = plan_stack(settings, found.database_url, found.broker_url, replicas)
        try:
            for group in (stack.subgraphs, stack.workers, stack.routers):
                started = [await supervisor.start(spec) for spec in group]
                await asyncio.gather(*(supervisor.wait_ready(r, settings.ready_timeout_seconds) for r in started))
                if stop.is_set():
                    break
            if not stop.is_set():
                supervisor.say("launcher", "ready:\n" + "\n".join(_urls(stack)))
                supervisor.say("launcher", "press Ctrl-C to stop")
                crashed = asyncio.create_task(supervisor.first_exit())
                stopping = asyncio.create_task(stop.wait())
                done, _ = await asyncio.wait({crashed, stopping}, return_when=asyncio.FIRST_COMPLETED)
                for task in (crashed, stopping):
                    task.cancel()
                if crashed in done and not crashed.cancelled():
                    dead = crashed.result()
                    supervisor.say("launcher", f"{dead.spec.name} exited ({dead.process.returncode}); stopping all")
                    return 1
            return 0
        except ProcessFailed as error:
            supervisor.say("launcher", f"error: {error}")
            return 1
        finally:
            supervisor.say("launcher", "stopping")
            await supervisor.stop_all()
            supervisor.say("launcher", "stopped")


def up(settings: LauncherSettings, replicas: int) -> int:
    try:
        return asyncio.run(run_stack(settings, replicas))
    except KeyboardInterrupt:
        return 130
    finally:
        sys.stdout.flush()
