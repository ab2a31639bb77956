"""What every service's Alembic ``env.py`` does, written once.

Each service owns an Alembic environment (``db/migrations/<service>``) whose version table lives in
that service's own schema, so a service migrates, and can move to its own server, without ever
touching another's schema. A transaction-scoped advisory lock lets several replicas start at once.
"""

from __future__ import annotations

import asyncio
import zlib

from alembic import context
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from db.engine import create_engine
from servicekit.settings import CommonSettings, load_settings


def _include_name(schema: str):  # type: ignore[no-untyped-def]
    def include_name(name: str | None, type_: str, parent_names: object) -> bool:
        if type_ == "schema":
            return name == schema
        return True

    return include_name


def _configure(schema: str, metadata: MetaData, **kwargs: object) -> None:
    context.configure(
        target_metadata=metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=_include_name(schema),
        compare_type=True,
        **kwargs,  # type: ignore[arg-type]
    )


def _run_online(connection: Connection, schema: str, metadata: MetaData) -> None:
    lock_key = zlib.crc32(f"marketplace-migrate-{schema}".encode())
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    _configure(schema, metadata, connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _online(url: str, schema: str, metadata: MetaData) -> None:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_online, schema, metadata)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations(schema: str, metadata: MetaData) -> None:
    """Entry point called from a service's ``env.py``."""
    url = context.config.attributes.get("database_url")
    if not url:  # plain `alembic -c db/alembic.ini -n <service>`: the URL comes from the settings
        settings = load_settings(CommonSettings)
        url = settings.database_url
    if not url:
        raise SystemExit("error: set MARKETPLACE_DATABASE_URL (or DATABASE_URL) to run Alembic directly")
    if context.is_offline_mode():
        _configure(schema, metadata, url=url, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_online(url, schema, metadata))
