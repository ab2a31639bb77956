"""Session fixtures shared by the whole suite.

Servers come from settings when given (``TEST_DATABASE_URL``, ``TEST_REDIS_URL``,
``TEST_RABBITMQ_URL``, or ``BROKER_URL`` for the broker of its kind) and from the embedded servers
otherwise. Each session works in a database of its own, created and migrated once, dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import settings

from db.embedded import start_embedded_postgres
from db.migrate import SERVICES, migrate_all
from marketplace.embedded_redis import start_embedded_redis
from servicekit.settings import normalize_database_url
from tests.support.databases import create_database, drop_database

# Property tests check behaviour, never wall-clock time: Hypothesis's default 200 ms deadline per
# example fails a test whose first example ran slowly on a loaded machine ("Unreliable test timings").
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server to create test databases on (a ``postgresql+asyncpg://`` URL)."""
    configured = _env("TEST_DATABASE_URL")
    if configured:
        url = normalize_database_url(configured)
        assert url is not None
        yield url
        return
    # Not under pytest's tmp folder: a concurrent pytest run resets that to mode 0700, which would
    # lock pgserver's system user out of its own data folder.
    folder = Path(tempfile.mkdtemp(prefix="marketplace-test-pg-"))
    embedded = start_embedded_postgres(folder)
    try:
        yield normalize_database_url(embedded.url("postgres")) or ""
    finally:
        embedded.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database_url(pg_server_url: str) -> AsyncIterator[str]:
    """A fresh database for this session with the three service schemas migrated to head."""
    url = await create_database(pg_server_url)
    try:
        await migrate_all(dict.fromkeys(SERVICES, url))
        yield url
    finally:
        await drop_database(pg_server_url, url)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def private_database_url(pg_server_url: str) -> AsyncIterator[str]:
    """A migrated database of this module's own, for whole-platform tests whose assertions must not see
    the rows other tests leave in the shared session database (e.g. products whose seller never existed)."""
    url = await create_database(pg_server_url, prefix="platform")
    try:
        await migrate_all(dict.fromkeys(SERVICES, url))
        yield url
    finally:
        await drop_database(pg_server_url, url)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    configured = _env("TEST_REDIS_URL")
    broker = _env("BROKER_URL")
    if configured is None and broker and broker.startswith(("redis://", "rediss://", "unix://")):
        configured = broker
    if configured:
        yield configured
        return
    embedded = start_embedded_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield embedded.url
    finally:
        embedded.stop()


@pytest.fixture(scope="session")
def rabbitmq_url() -> str | None:
    """The RabbitMQ to test against, or ``None`` when none is configured (there is no embedded one)."""
    configured = _env("TEST_RABBITMQ_URL")
    broker = _env("BROKER_URL")
    if configured is None and broker and broker.startswith(("amqp://", "amqps://")):
        configured = broker
    return configured
