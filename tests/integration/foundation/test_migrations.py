from __future__ import annotations

import pytest
from sqlalchemy import text

from db.engine import create_engine
from db.migrate import SERVICES, migrate_all
from db.wait import DatabaseUnavailable, wait_for_database

pytestmark = [pytest.mark.foundation, pytest.mark.integration]


async def test_migrations_create_one_schema_per_service_with_its_own_version_table(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            schemas = set(
                (await connection.execute(text("SELECT schema_name FROM information_schema.schemata"))).scalars()
            )
            version_tables = set(
                (
                    await connection.execute(
                        text("SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'")
                    )
                ).scalars()
            )
    finally:
        await engine.dispose()
    assert set(SERVICES) <= schemas
    assert version_tables == set(SERVICES)


async def test_migrating_twice_changes_nothing(database_url: str) -> None:
    await migrate_all(dict.fromkeys(SERVICES, database_url))


async def test_waiting_for_an_unreachable_database_fails_with_one_clear_line() -> None:
    with pytest.raises(DatabaseUnavailable) as failure:
        await wait_for_database("postgresql://postgres@127.0.0.1:1/none", timeout=0.5)
    message = str(failure.value)
    assert "\n" not in message
    assert "not reachable after 0.5s" in message
    assert "127.0.0.1:1" in message
