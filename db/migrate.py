"""Programmatic Alembic: upgrade each service's schema, after waiting for its database.

``marketplace migrate`` calls :func:`migrate_all`; operators can also run plain Alembic with
``alembic -c db/alembic.ini -n users upgrade head`` (see docs/operations.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from db.wait import wait_for_database

if TYPE_CHECKING:
    from alembic.config import Config

SERVICES: tuple[str, ...] = ("users", "products", "orders")
MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(service: str, url: str) -> Config:
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; expected one of {', '.join(SERVICES)}")
    # Alembic is imported here, not at the top: `marketplace serve` imports this module for SERVICES and
    # a restarted service must not pay Alembic's import time (about a second) to serve again.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR / service))
    config.attributes["database_url"] = url
    return config


def upgrade_sync(service: str, url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(service, url), revision)


async def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Upgrade one schema. Alembic's env runs its own event loop, so it gets a thread of its own."""
    await asyncio.to_thread(upgrade_sync, service, url, revision)


async def migrate_all(urls: Mapping[str, str], services: Iterable[str] = SERVICES, timeout: float = 30.0) -> None:
    """Wait for each service's database (one clear error after ``timeout``), then upgrade it to head."""
    for service in services:
        url = urls[service]
        await wait_for_database(url, timeout=timeout)
        await upgrade(service, url)
