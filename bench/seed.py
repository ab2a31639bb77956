"""Seeding figures: ``uv run python bench/seed.py [--products N] [--users N] [SERVER_URL]``.

Creates a scratch database on the server (default: TEST_DATABASE_URL or the local PostgreSQL),
migrates the users and products schemas, seeds the demo catalogue, seeds it again (the idempotent
re-run), prints both timings and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import uuid

import asyncpg
from sqlalchemy.engine import make_url

from db.migrate import migrate_all
from servicekit.settings import normalize_database_url
from subgraphs.products.seed import seed


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(normalize_database_url(url) or url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def main(server: str, users: int, products: int) -> None:
    name = f"bench_seed_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(server))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = normalize_database_url(_dsn(server, name)) or ""
    try:
        await migrate_all({"users": url, "products": url}, services=("users", "products"))
        first = await seed(url, users=users, products=products)
        print(f"first run:  {first}")
        print(f"            {first.products_created / first.seconds:,.0f} products/s")
        second = await seed(url, users=users, products=products, progress=False)
        print(f"second run: {second}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "server",
        nargs="?",
        default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--products", type=int, default=100_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.server, arguments.users, arguments.products))
