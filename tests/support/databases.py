"""Databases for tests: the configured server (TEST_DATABASE_URL) or the embedded one, and a fresh
database per test session so runs never see each other's rows."""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy.engine import make_url

from servicekit.settings import normalize_database_url


def asyncpg_dsn(url: str) -> str:
    """A plain ``postgresql://`` DSN for asyncpg from a SQLAlchemy URL (keeps ``?host=`` sockets)."""
    sa_url = make_url(normalize_database_url(url) or url).set(drivername="postgresql")
    return sa_url.render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(normalize_database_url(url) or url).set(database=database).render_as_string(hide_password=False)


async def create_database(server_url: str, prefix: str = "test") -> str:
    """Create a uniquely named database on the server; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(server_url, name)


async def drop_database(server_url: str, database_url: str) -> None:
    name = make_url(database_url).database
    connection = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
