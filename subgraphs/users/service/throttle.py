"""Throttling of password attempts, shared through PostgreSQL (see docs/users.md for the trade-offs).

Three counters, each a fixed window of failures:

* ``pair:<account>:<address>``, the tightest: one address guessing one account;
* ``account:<id>``: one account guessed from addresses it has never been used from (a botnet);
* ``address:<ip>``: one address guessing accounts it has never been used for (password spraying).

An address is *known* for an account once the account signed up or logged in from it (a row
``known:<account>:<address>``, kept ``known_days``). Attempts from a known address count only
against their pair: an attacker elsewhere, however many addresses he has, cannot lock a user out
where the user usually logs in, and one person failing from an office's address cannot lock the
office's other users out of their own accounts.

The address is the one the router signs into its service token (or the TCP peer), never a
header a client can set: a new ``X-Forwarded-For`` per attempt would be a new counter per attempt.

An attempt is counted *before* the password is checked, in one atomic upsert per counter, so a
burst of parallel guesses cannot slip past a limit while the slow hash runs; a success then clears
its pair, gives the account and the address their attempt back and marks the address known.
Unknown accounts are counted like real ones. Over a limit: ``RATE_LIMITED`` with ``retryAfter``,
the seconds until that window ends. Rows whose window has passed are purged now and then.
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
_KNOWN = text(
    "SELECT EXISTS (SELECT 1 FROM users.login_throttle WHERE key = :key "
    "AND window_start > now() - make_interval(days => :days))"
)
_MARK_KNOWN = text(
    """
    INSERT INTO users.login_throttle (key, attempts, window_start) VALUES (:key, 0, now())
    ON CONFLICT (key) DO UPDATE SET window_start = now()
    """
)
_CLEAR = text("DELETE FROM users.login_throttle WHERE key = :key")
_GIVE_BACK = text("UPDATE users.login_throttle SET attempts = greatest(attempts - 1, 0) WHERE key = :key")
_PURGE = text(
    "DELETE FROM users.login_throttle WHERE (key NOT LIKE 'known:%' "
    "AND window_start < now() - make_interval(secs => :window)) "
    "OR window_start < now() - make_interval(days => :days)"
)


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int
    max_per_account: int
    max_per_address: int
    max_per_pair: int = 5
    known_days: int = 90


def account_key(user_id: str) -> str:
    return f"account:{user_id[:100]}"


def address_key(address: str) -> str:
    return f"address:{address[:100]}"


def pair_key(user_id: str, address: str) -> str:
    return f"pair:{user_id[:100]}:{address[:100]}"


def known_key(user_id: str, address: str) -> str:
    return f"known:{user_id[:100]}:{address[:100]}"


async def begin_attempt(
    sessions: async_sessionmaker[AsyncSession], policy: ThrottlePolicy, *, user_id: str, address: str
) -> None:
    """Count one password attempt; :class:`RateLimited` when a counter that applies is over its limit."""
    retry_after = 0
    async with sessions.begin() as session:
        known = bool(
            (await session.execute(_KNOWN, {"key": known_key(user_id, address), "days": policy.known_days})).scalar()
        )
        counters = [(pair_key(user_id, address), policy.max_per_pair)]
        if not known:
            counters += [(account_key(user_id), policy.max_per_account), (address_key(address), policy.max_per_address)]
        for key, limit in counters:
            row = (await session.execute(_COUNT, {"key": key, "window": policy.window_seconds})).one()
            attempts, window_start, now = int(row.attempts), row.window_start, row.now
            if attempts > limit:
                retry_after = max(retry_after, _seconds_left(window_start, now, policy.window_seconds))
        if random.random() < PURGE_PROBABILITY:
            await session.execute(_PURGE, {"window": policy.window_seconds, "days": policy.known_days})
    if retry_after:
        raise RateLimited(retry_after=retry_after)


async def attempt_succeeded(sessions: async_sessionmaker[AsyncSession], *, user_id: str, address: str) -> None:
    async with sessions.begin() as session:
        await session.execute(_CLEAR, {"key": pair_key(user_id, address)})
        await session.execute(_GIVE_BACK, {"key": account_key(user_id)})
        await session.execute(_GIVE_BACK, {"key": address_key(address)})
        await session.execute(_MARK_KNOWN, {"key": known_key(user_id, address)})


async def mark_known(sessions: async_sessionmaker[AsyncSession], *, user_id: str, address: str) -> None:
    """Remember that ``user_id`` is used from ``address`` (at sign-up: a new account's first address)."""
    async with sessions.begin() as session:
        await session.execute(_MARK_KNOWN, {"key": known_key(user_id, address)})


async def purge_stale(sessions: async_sessionmaker[AsyncSession], policy: ThrottlePolicy) -> None:
    async with sessions.begin() as session:
        await session.execute(_PURGE, {"window": policy.window_seconds, "days": policy.known_days})


def _seconds_left(window_start: datetime, now: datetime, window_seconds: int) -> int:
    left = (window_start - now).total_seconds() + window_seconds
    return max(1, math.ceil(left))
