"""Throttling of password attempts per account and per client address, shared through PostgreSQL.

Each key (``account:<id>``, ``address:<ip>``) counts attempts in a fixed window. An attempt is
counted *before* the password is checked, in one atomic upsert, so a burst of parallel guesses
cannot slip past the limit while the slow hash runs; a successful attempt then clears its
account's count and gives its address its attempt back. So what the limits bound is failed (and
in-flight) attempts. Over a limit, the caller gets ``RATE_LIMITED`` with ``retryAfter``: the
seconds until the window ends. Unknown accounts are counted like real ones, so the throttle does not
tell them apart either. Rows whose window has passed are purged now and then.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.errors import RateLimited

PURGE_PROBABILITY = 0.01

_COUNT = text(
    """
    INSERT INTO users.login_throttle AS t (key, attempts, window_start)
    VALUES (:key, 1, now())
    ON CONFLICT (key) DO UPDATE SET
        attempts = CASE WHEN t.window_start <= now() - make_interval(secs => :window) THEN 1 ELSE t.attempts + 1 END,
        window_start = CASE WHEN t.window_start <= now() - make_interval(secs => :window) THEN now()
                            ELSE t.window_start END
    RETURNING attempts, window_start, now() AS now
    """
)
_CLEAR = text("DELETE FROM users.login_throttle WHERE key = :key")
_GIVE_BACK = text("UPDATE users.login_throttle SET attempts = greatest(attempts - 1, 0) WHERE key = :key")
_PURGE = text("DELETE FROM users.login_throttle WHERE window_start < now() - make_interval(secs => :window)")


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int
    max_per_account: int
    max_per_address: int


def account_key(user_id: str) -> str:
    return f"account:{user_id[:100]}"


def address_key(address: str) -> str:
    return f"address:{address[:100]}"


async def begin_attempt(
    sessions: async_sessionmaker[AsyncSession], policy: ThrottlePolicy, *, user_id: str, address: str
) -> None:
    """Count one password attempt for the account and the address; :class:`RateLimited` when over a limit."""
    retry_after = 0
    async with sessions.begin() as session:
        for key, limit in (
            (account_key(user_id), policy.max_per_account),
            (address_key(address), policy.max_per_address),
        ):
            row = (await session.execute(_COUNT, {"key": key, "window": policy.window_seconds})).one()
            attempts, window_start, now = int(row.attempts), row.window_start, row.now
            if attempts > limit:
                retry_after = max(retry_after, _seconds_left(window_start, now, policy.window_seconds))
        if random.random() < PURGE_PROBABILITY:
            await session.execute(_PURGE, {"window": policy.window_seconds})
    if retry_after:
        raise RateLimited(retry_after=retry_after)


async def attempt_succeeded(sessions: async_sessionmaker[AsyncSession], *, user_id: str, address: str) -> None:
    async with sessions.begin() as session:
        await session.execute(_CLEAR, {"key": account_key(user_id)})
        await session.execute(_GIVE_BACK, {"key": address_key(address)})


async def purge_stale(sessions: async_sessionmaker[AsyncSession], policy: ThrottlePolicy) -> None:
    async with sessions.begin() as session:
        await session.execute(_PURGE, {"window": policy.window_seconds})


def _seconds_left(window_start: datetime, now: datetime, window_seconds: int) -> int:
    left = (window_start - now).total_seconds() + window_seconds
    return max(1, math.ceil(left))
