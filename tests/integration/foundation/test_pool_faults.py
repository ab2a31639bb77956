"""Given a pooled connection that the server terminated while it sat idle (an operator's
pg_terminate_backend, a failover), the next request through the pool gets a fresh connection and
no error: the pool drops it (asyncpg's "another operation is in progress" counts as lost)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from db.engine import create_engine
from servicekit.db_faults import is_connection_loss

pytestmark = [pytest.mark.foundation, pytest.mark.integration]


async def test_connections_terminated_while_idle_are_replaced(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=3, max_overflow=0, application_name="pool-fault-test")
    try:

        async def pid() -> int:
            async with engine.connect() as connection:
                await asyncio.sleep(0.05)  # hold it, so three callers use three connections
                return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())

        before = set(await asyncio.gather(pid(), pid(), pid()))
        admin_engine = create_engine(database_url, pool_size=1)
        async with admin_engine.connect() as admin:
            await admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND application_name = 'pool-fault-test' "
                    "AND pid <> pg_backend_pid()"
                )
            )
        await admin_engine.dispose()
        await asyncio.sleep(0.3)  # the termination notices reach the idle connections
        after = set(await asyncio.gather(*(pid() for _ in range(6))))
    finally:
        await engine.dispose()
    assert len(before) == 3
    assert before.isdisjoint(after)


def test_what_counts_as_a_lost_connection() -> None:
    class InternalClientError(Exception):
        pass

    assert is_connection_loss(InternalClientError("cannot switch to state 12; another operation (2) is in progress"))
    assert is_connection_loss(ConnectionResetError())
    assert not is_connection_loss(ValueError("duplicate key value violates unique constraint"))
