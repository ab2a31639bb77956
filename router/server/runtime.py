"""One loaded supergraph and everything derived from it, and the holder that swaps it atomically.

A :class:`RouterRuntime` bundles the engine with the checks and the authorization policy built from
the same schema, so a request never mixes two schemas. :class:`RuntimeHolder` hands the current
runtime to each request and counts requests in flight per runtime; a swap makes the new runtime
current at once, and the old one's engine (its connection pool) is closed only after its last
in-flight request has finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from router.engine import Engine
from router.execution.executor import SubgraphFetcher
from router.execution.fetcher import FetchObserver, RateLimitObserver, SharedObserver
from router.server.authorization import AuthorizationPolicy
from router.server.config import RouterConfig, subgraph_tls
from router.server.gc_tuning import refreeze
from router.server.operation_check import OperationChecker
from router.server.rate_limit import RateLimits

log = logging.getLogger(__name__)


@dataclass(eq=False)
class RouterRuntime:
    sdl: str
    engine: Engine
    checker: OperationChecker
    policy: AuthorizationPolicy
    in_flight: int = 0
    retired: bool = False
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def planner_cache(self) -> tuple[int, int]:
        planner = self.engine.planner
        return int(getattr(planner, "hits", 0)), int(getattr(planner, "misses", 0))


def build_runtime(
    sdl: str,
    config: RouterConfig,
    on_fetch: FetchObserver | None = None,
    fetch_wrapper: Callable[[SubgraphFetcher], SubgraphFetcher] | None = None,
    on_shared: SharedObserver | None = None,
    rate_limits: RateLimits | None = None,
    on_rate_limited: RateLimitObserver | None = None,
) -> RouterRuntime:
    """Load ``sdl`` and build its engine; raises whatever loading raises (the caller keeps the old one)."""
    shaping = config.traffic_shaping
    tls = config.tls.subgraph
    # Read again for every new engine (a reload), so a renewed certificate is picked up; within one
    # build, the files of each distinct block once (subgraphs without their own share ``all``'s).
    read_tls = functools.cache(subgraph_tls)
    engine = Engine(
        sdl,
        subgraph_timeout=shaping.all.timeout or 30.0,
        subgraph_timeouts={name: s.timeout for name, s in shaping.subgraphs.items() if s.timeout is not None},
        deduplicate_query=shaping.deduplicates,
        subgraph_tls=lambda name: read_tls(tls.for_subgraph(name)),
        on_fetch=on_fetch,
        on_shared=on_shared,
        subgraph_rate_limits=rate_limits.for_subgraph if rate_limits is not None else None,
        on_rate_limited=on_rate_limited,
        fetch_wrapper=fetch_wrapper,
    )
    known = set(engine.supergraph.subgraphs)
    for key, names in (
        ("traffic_shaping", shaping.subgraphs),
        ("headers", config.headers.subgraphs),
        ("tls.subgraph", tls.subgraphs),
    ):
        unknown = sorted(set(names) - known)
        if unknown:
            log.warning("%s names subgraphs the supergraph does not have: %s", key, ", ".join(unknown))
    plain = sorted(
        name for name in tls.subgraphs if name in known and not engine.endpoints[name].url.startswith("https://")
    )
    if plain:
        log.warning("tls.subgraph names subgraphs reached without TLS (not https://): %s", ", ".join(plain))
    checker = OperationChecker(engine.api_schema, config.limits, introspection=config.introspection)
    policy = AuthorizationPolicy(engine.supergraph.schema, engine.api_schema, engine.supergraph.links)
    return RouterRuntime(sdl=sdl, engine=engine, checker=checker, policy=policy)


class RuntimeHolder:
    def __init__(self, runtime: RouterRuntime) -> None:
        self.current = runtime
        self._closing: set[asyncio.Task[None]] = set()

    def acquire(self) -> RouterRuntime:
        """The current runtime, counted as in use until :meth:`release` (the per-request path)."""
        runtime = self.current
        runtime.in_flight += 1
        return runtime

    @staticmethod
    def release(runtime: RouterRuntime) -> None:
        runtime.in_flight -= 1
        if runtime.retired and runtime.in_flight == 0:
            runtime.idle.set()

    @contextlib.asynccontextmanager
    async def use(self) -> AsyncIterator[RouterRuntime]:
        runtime = self.acquire()
        try:
            yield runtime
        finally:
            self.release(runtime)

    def swap(self, runtime: RouterRuntime) -> RouterRuntime:
        """Make ``runtime`` current; the old one closes once its in-flight requests are done."""
        old, self.current = self.current, runtime
        old.retired = True
        if old.in_flight == 0:
            old.idle.set()
        task = asyncio.get_running_loop().create_task(self._close_when_idle(old))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)
        return old

    async def _close_when_idle(self, runtime: RouterRuntime) -> None:
        await runtime.idle.wait()
        await runtime.engine.aclose()
        del runtime
        refreeze()  # the old schema may have been frozen at start-up: let it be collected
        log.info("previous supergraph closed after its in-flight requests finished")

    async def aclose(self) -> None:
        for task in list(self._closing):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, timeout=30)
        await self.current.engine.aclose()
