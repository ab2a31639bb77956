"""Wait for a database to accept connections, with exponential backoff and a deadline."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import create_engine


class DatabaseUnavailable(Exception):
    """The database did not answer before the deadline; the message is one line."""


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


async def wait_for_database(url: str, timeout: float = 30.0, first_delay: float = 0.1) -> None:
    """Return once ``SELECT 1`` succeeds; raise :class:`DatabaseUnavailable` after ``timeout`` seconds."""
    engine = create_engine(url, pool_size=1, max_overflow=0)
    deadline = time.monotonic() + timeout
    delay = first_delay
    last_error: BaseException | None = None
    try:
        while True:
            try:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
                return
            except (OSError, Exception) as error:  # asyncpg raises several unrelated types
                last_error = error
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = str(last_error).splitlines()[0] if str(last_error) else type(last_error).__name__
                raise DatabaseUnavailable(f"database {describe(url)} not reachable after {timeout:g}s: {reason}")
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 2.0)
    finally:
        await engine.dispose()
