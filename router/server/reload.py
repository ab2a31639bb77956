"""Where the supergraph comes from, and hot reload when it changes.

Two sources: a supergraph file (``--supergraph``), or a ``supergraph.yaml`` composed at start
(``--config``), whose subgraph SDLs are fetched again every poll (``_service { sdl }`` with the
router's service token, since subgraphs serve it only to the router). The reloader polls the
source every ``interval`` seconds; when the text differs from the running one it builds a new
runtime off the event loop and swaps it in. A schema that fails to load or compose is logged and
counted, and the running one stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from router.server.runtime import RouterRuntime, RuntimeHolder

log = logging.getLogger(__name__)


class SupergraphSource(Protocol):
    description: str

    def load(self) -> str: ...


class FileSource:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.description = f"supergraph file {self.path}"

    def load(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except OSError as error:
            raise OSError(f"cannot read {self.path}: {error.strerror or error}") from None


class ComposeSource:
    """Compose ``supergraph.yaml`` (rover's format) with :mod:`router.compose`."""

    def __init__(self, path: str | Path, headers: Callable[[], Mapping[str, str]] | None = None) -> None:
        self.path = Path(path)
        self.headers = headers
        self.description = f"composition of {self.path}"

    def load(self) -> str:
        from router.compose import compose_or_raise, load_config, load_subgraphs

        config = load_config(self.path)
        if self.headers is not None:
            config = config.with_introspection_headers(self.headers())
        return compose_or_raise(load_subgraphs(config))


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Reloader:
    def __init__(
        self,
        source: SupergraphSource,
        holder: RuntimeHolder,
        build: Callable[[str], RouterRuntime],
        *,
        interval: float,
        on_result: Callable[[str], None] | None = None,
    ) -> None:
        self.source = source
        self.holder = holder
        self.build = build
        self.interval = interval
        self.on_result = on_result
        self._task: asyncio.Task[None] | None = None
        self._failed_fingerprint: str | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check()
            except Exception:  # the loop must survive anything
                log.exception("supergraph reload check failed")

    def _report(self, result: str) -> None:
        if self.on_result is not None:
            self.on_result(result)

    async def check(self) -> bool:
        """Reload if the source changed; True when a new supergraph was swapped in."""
        try:
            sdl = await asyncio.to_thread(self.source.load)
        except Exception as error:
            log.warning(
                "cannot read the new supergraph from %s, keeping the current one: %s", self.source.description, error
            )
            self._report("unavailable")
            return False
        if sdl == self.holder.current.sdl:
            return False
        print_id = fingerprint(sdl)
        if print_id == self._failed_fingerprint:
            return False  # already reported; wait for the next change
        try:
            runtime = await asyncio.to_thread(self.build, sdl)
        except Exception as error:
            self._failed_fingerprint = print_id
            log.error(
                "the new supergraph (%s) from %s is invalid, keeping the current one (%s): %s",
                print_id,
                self.source.description,
                fingerprint(self.holder.current.sdl),
                error,
            )
            self._report("failed")
            return False
        self._failed_fingerprint = None
        self.holder.swap(runtime)
        log.info("supergraph reloaded from %s (%s)", self.source.description, print_id)
        self._report("success")
        return True
