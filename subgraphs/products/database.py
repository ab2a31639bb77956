"""Where each products query runs: the primary, or the read replica when one is configured.

Writes always go to the primary. Reads go to the replica unless

- the same request already wrote (``ReadRouting.wrote``): it must see what it just wrote;
- the caller wrote recently (``read_your_writes_seconds``, per user id, kept in this process): a
  hot standby replays the primary's changes a little later, and a user who just saved a product
  expects to see it on the next page load. The window is kept in memory, keyed by the verified
  user id, so it needs no cookie and no client cooperation; with several instances behind a load
  balancer it holds per instance (see docs/products.md);
- the replica failed recently (``replica_retry_seconds``): a read that cannot connect to the
  replica, or loses its connection, runs again on the primary, and the replica is left alone for
  a while so that each request does not pay the timeout.

Reads are retried on the primary only because they are side-effect free.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from db.engine import close_engine

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]

# SQLSTATE classes that mean "this server cannot serve us right now", not "the query is wrong":
# 08 connection exceptions, 57P operator intervention (shutdown, starting up), and 40001 which a
# hot standby raises when it cancels a query that conflicts with recovery.
_REPLICA_FAILURE_STATES = ("08", "57P", "40001")
_PRUNE_THRESHOLD = 10_000


class Source(StrEnum):
    PRIMARY = "primary"
    REPLICA = "replica"


@dataclass
class ReadRouting:
    """Per-request routing state: who is calling, whether this request wrote, where reads ran."""

    user_id: str | None = None
    wrote: bool = False
    sources: set[Source] = field(default_factory=set)


def is_replica_failure(error: BaseException) -> bool:
    """Whether ``error`` says the server is unreachable or unavailable (so the primary may answer)."""
    if isinstance(error, OSError | TimeoutError | sa_exc.InterfaceError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated:
            return True
        state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if isinstance(state, str) and state.startswith(_REPLICA_FAILURE_STATES):
            return True
        return isinstance(error.orig, OSError | TimeoutError)
    return False


class ProductsDatabase:
    """The primary engine, the optional replica engine, and the rules for choosing between them."""

    def __init__(
        self,
        primary: AsyncEngine,
        replica: AsyncEngine | None = None,
        *,
        read_your_writes_seconds: float = 5.0,
        replica_retry_seconds: float = 5.0,
        replica_connect_timeout: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.primary_sessions = async_sessionmaker(primary, expire_on_commit=False)
        self.read_your_writes_seconds = read_your_writes_seconds
        self.replica_retry_seconds = replica_retry_seconds
        self.replica_connect_timeout = replica_connect_timeout
        self._clock = clock
        self._recent_writers: dict[str, float] = {}
        self._replica_down_until = float("-inf")

    async def dispose(self) -> None:
        await close_engine(self.primary)
        if self.replica is not None:
            await close_engine(self.replica)

    # --- read-your-writes -------------------------------------------------------------------

    def note_write(self, routing: ReadRouting) -> None:
        routing.wrote = True
        if routing.user_id is None or self.read_your_writes_seconds <= 0:
            return
        now = self._clock()
        if len(self._recent_writers) > _PRUNE_THRESHOLD:
            self._recent_writers = {k: v for k, v in self._recent_writers.items() if v > now}
        self._recent_writers[routing.user_id] = now + self.read_your_writes_seconds

    def wrote_recently(self, user_id: str | None) -> bool:
        if user_id is None:
            return False
        until = self._recent_writers.get(user_id)
        return until is not None and until > self._clock()

    def read_source(self, routing: ReadRouting) -> Source:
        """Where a read for this request goes right now."""
        if self.replica is None or routing.wrote or self.wrote_recently(routing.user_id):
            return Source.PRIMARY
        if self._clock() < self._replica_down_until:
            return Source.PRIMARY
        return Source.REPLICA

    # --- running work -----------------------------------------------------------------------

    async def write(self, work: Work[T], routing: ReadRouting) -> T:
        """Run ``work`` in one transaction on the primary and commit it."""
        async with self.primary_sessions() as session, session.begin():
            result = await work(session)
        self.note_write(routing)
        routing.sources.add(Source.PRIMARY)
        return result

    async def read(self, work: Work[T], routing: ReadRouting) -> T:
        """Run read-only ``work`` on the replica when allowed, else (or when it fails) on the primary."""
        if self.read_source(routing) is Source.REPLICA:
            try:
                result = await self._read_replica(work)
            except Exception as error:
                if not is_replica_failure(error):
                    raise
                self._replica_down_until = self._clock() + self.replica_retry_seconds
                log.warning("read replica unavailable (%s); reading from the primary", type(error).__name__)
            else:
                routing.sources.add(Source.REPLICA)
                return result
        async with self.primary_sessions() as session:
            result = await work(session)
        routing.sources.add(Source.PRIMARY)
        return result

    async def _read_replica(self, work: Work[T]) -> T:
        assert self.replica is not None
        connection = self.replica.connect()
        await asyncio.wait_for(connection.start(), timeout=self.replica_connect_timeout)
        try:
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                return await work(session)
        finally:
            await connection.close()
