"""Embedded defaults: when no database or broker URL is configured, start the embedded servers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from db.embedded import EmbeddedPostgres, start_embedded_postgres
from marketplace.embedded_redis import EmbeddedRedis, start_embedded_redis
from servicekit.settings import normalize_database_url

log = logging.getLogger(__name__)


@dataclass
class Backends:
    database_url: str
    broker_url: str
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None


@contextlib.contextmanager
def backends(data_dir: Path, database_url: str | None, broker_url: str | None) -> Iterator[Backends]:
    """The configured servers, or embedded ones started here (and stopped on exit)."""
    postgres = redis = None
    try:
        if database_url is None:
            postgres = start_embedded_postgres(data_dir)
            database_url = postgres.url()
        if broker_url is None:
            redis = start_embedded_redis(data_dir)
            broker_url = redis.url
        yield Backends(normalize_database_url(database_url) or database_url, broker_url, postgres, redis)
    finally:
        if redis is not None:
            redis.stop()
        if postgres is not None:
            postgres.stop()
