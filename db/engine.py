"""Async SQLAlchemy engines and session factories.

One engine per database URL and process. ``pool_pre_ping`` makes a connection that the server
dropped (restart, failover) fail over to a fresh one instead of failing the request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from servicekit.db_faults import mark_lost_connections_as_disconnects
from servicekit.pool_metrics import forget_pool, watch_pool
from servicekit.settings import normalize_database_url


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 10,
    echo: bool = False,
    pre_ping: bool = True,
    autocommit: bool = False,
    application_name: str | None = None,
    pool_name: str = "default",
) -> AsyncEngine:
    """An asyncpg engine for ``url`` (``postgresql://`` URLs are accepted and get the asyncpg driver).

    ``pre_ping`` (on by default) costs a round trip per checkout; a hot path that retries on a dead
    connection itself may turn it off. ``autocommit`` suits single-statement writes that need no
    ``BEGIN``/``COMMIT`` around them. ``application_name`` shows in ``pg_stat_activity``.
    ``pool_name`` labels the pool's gauges (:mod:`servicekit.pool_metrics`).
    """
    normalized = normalize_database_url(url)
    if normalized is None:
        raise ValueError("a database URL is required")
    options: dict[str, Any] = {}
    if autocommit:
        options["isolation_level"] = "AUTOCOMMIT"
    if application_name:
        options["connect_args"] = {"server_settings": {"application_name": application_name}}
    engine = create_async_engine(
        normalized,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        echo=echo,
        **options,
    )
    mark_lost_connections_as_disconnects(engine)  # a terminated connection leaves the pool at once
    watch_pool(engine, pool_name, max_overflow)
    return engine


async def close_engine(engine: AsyncEngine) -> None:
    """Dispose of ``engine`` for good: its connections closed and its pool gauges gone."""
    forget_pool(engine)
    await engine.dispose()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no implicit lazy reloads in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)
