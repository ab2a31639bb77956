"""``marketplace seed``: demo users and a demo catalogue, fast and idempotent.

Users go into the users schema through its model (``db.models.users``), all with one precomputed
argon2id hash of the documented demo password ``marketplace-demo``. Products go in by chunks: the
ids a chunk would create are looked up first, only the missing rows are generated and copied in
with ``COPY`` (asyncpg ``copy_records_to_table``); should another run have stored some of them in the
meantime, the chunk goes through a temporary table and ``INSERT ... ON CONFLICT DO NOTHING``
instead. So a second run, or two runs at once, add nothing twice. Everything is deterministic
(uuid5 ids, per-index random generators).
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection
from tqdm import tqdm

from db.engine import create_engine
from db.models.users import User
from subgraphs.products.seed_data import PRODUCT_COLUMNS, ProductRow, demo_products, demo_user, product_id, user_id

DEMO_PASSWORD = "marketplace-demo"  # noqa: S105 - documented demo password, for demo data only
# argon2id (m=19456 KiB, t=2, p=1: the users service's defaults) of DEMO_PASSWORD, computed once.
DEMO_PASSWORD_HASH = "$argon2id$v=19$m=19456,t=2,p=1$1LS2HT6yX6C3nV61r0e3Xw$h8HVqWOFY7nyH7T51DHLHpgHMcSMuVBKnXKGBefIJ2g"  # noqa: S105
CHUNK = 10_000
USER_CHUNK = 1_000
# Rows per COPY inside a chunk's transaction: the progress bar moves this often.
COPY_BATCH = 2_000
# By default the progress bars show on seeds of this many rows or more, when stderr is a terminal.
LARGE_SEED = 10_000

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS seed_products (
    id uuid, seller_id uuid, name text, description text, category text,
    price_amount bigint, price_currency text, stock integer, created_at timestamptz, updated_at timestamptz
) ON COMMIT DELETE ROWS
"""
_COLUMN_LIST = ", ".join(PRODUCT_COLUMNS)
_MOVE = (
    f"INSERT INTO products.products ({_COLUMN_LIST}) SELECT {_COLUMN_LIST} FROM seed_products "  # noqa: S608
    "ON CONFLICT (id) DO NOTHING"
)


@dataclass(frozen=True)
class SeedResult:
    users_created: int
    users_total: int
    products_created: int
    products_total: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        """Rows stored (users and products) per second of the whole run."""
        return (self.users_created + self.products_created) / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        return (
            f"seeded {self.users_created} new of {self.users_total} demo users and "
            f"{self.products_created} new of {self.products_total} demo products in {self.seconds:.1f}s, "
            f"{self.rows_per_second:,.0f} rows/s (demo password: {DEMO_PASSWORD})"
        )


async def _seed_users(connection: AsyncConnection, count: int, bar: tqdm[Any]) -> int:
    users = cast(Table, User.__table__)
    created = 0
    for start in range(0, count, USER_CHUNK):
        rows = []
        for index in range(start, min(start + USER_CHUNK, count)):
            user = demo_user(index)
            rows.append(
                {
                    "id": user.id,
                    "email": user.email,
                    "name": user.name,
                    "role": "USER",
                    "password_hash": DEMO_PASSWORD_HASH,
                }
            )
        result = await connection.execute(pg_insert(users).on_conflict_do_nothing().returning(users.c.id), rows)
        created += len(result.all())
        await connection.commit()
        bar.update(len(rows))
    return created


def _missing_rows(indices: range, existing: set[uuid.UUID], sellers: list[uuid.UUID]) -> list[ProductRow]:
    wanted = [(index, product_id(index)) for index in indices]
    missing = [(index, identifier) for index, identifier in wanted if identifier not in existing]
    return demo_products([i for i, _ in missing], [pid for _, pid in missing], sellers)


async def _seed_products(raw: asyncpg.Connection, count: int, users: int, bar: tqdm[Any]) -> int:
    """Copy the missing products chunk by chunk; the next chunk is generated (in a thread) while
    PostgreSQL stores the current one. The connection itself is only ever used by one call at a time."""
    sellers = [user_id(index) for index in range(users)]
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]

    async def generate(chunk: range) -> asyncio.Future[list[ProductRow]]:
        found = await raw.fetch(
            "SELECT id FROM products.products WHERE id = ANY($1::uuid[])", [product_id(index) for index in chunk]
        )
        existing = {row["id"] for row in found}
        return asyncio.ensure_future(asyncio.to_thread(_missing_rows, chunk, existing, sellers))

    created = 0
    # A larger pending list lets the GIN search index absorb each chunk and merge it in bulk,
    # which is cheaper than growing the index row by row; it is flushed at the end.
    await raw.execute("SET gin_pending_list_limit = '64MB'")
    upcoming = await generate(chunks[0]) if chunks else None
    for position, chunk in enumerate(chunks):
        assert upcoming is not None
        records = await upcoming
        upcoming = await generate(chunks[position + 1]) if position + 1 < len(chunks) else None
        done = bar.n + len(chunk)
        if records:
            created += await _store(raw, records, bar)
        bar.update(done - bar.n)  # rows that already existed count as done too
    if created:
        await raw.execute("SELECT gin_clean_pending_list('products.ix_products_search'::regclass)")
    await raw.execute("RESET gin_pending_list_limit")
    return created


async def _store(raw: asyncpg.Connection, records: list[ProductRow], bar: tqdm[Any]) -> int:
    """COPY straight into the table (in batches, one transaction, so the bar moves); if another run
    stored some of these rows meanwhile, go through a staging table and ``ON CONFLICT DO NOTHING``
    instead. Returns how many rows were added."""
    start = bar.n
    try:
        async with raw.transaction():
            for first in range(0, len(records), COPY_BATCH):
                batch = records[first : first + COPY_BATCH]
                await raw.copy_records_to_table(
                    "products", schema_name="products", records=batch, columns=PRODUCT_COLUMNS
                )
                bar.update(len(batch))
        return len(records)
    except asyncpg.UniqueViolationError:
        bar.n = start  # the transaction stored nothing: the bar goes back
        bar.refresh()
        async with raw.transaction():
            await raw.execute(_STAGING)
            await raw.copy_records_to_table("seed_products", records=records, columns=PRODUCT_COLUMNS)
            status = await raw.execute(_MOVE)
        return int(status.rsplit(" ", 1)[-1])


def show_progress(progress: bool | None, rows: int) -> bool:
    """``None``: bars on large seeds (``LARGE_SEED`` rows or more) when stderr is a terminal."""
    if progress is not None:
        return progress
    return rows >= LARGE_SEED and sys.stderr.isatty()


async def seed(database_url: str, *, users: int, products: int, progress: bool | None = None) -> SeedResult:
    """Create ``users`` demo users and ``products`` demo products (those missing), sold by those users.

    ``progress``: show tqdm bars on stderr (their rate included); ``None`` decides by :func:`show_progress`.
    """
    if users < 1 and products > 0:
        raise ValueError("products need at least one demo user to sell them")
    progress = show_progress(progress, users + products)
    started = time.perf_counter()
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            with tqdm(total=users, unit="user", desc="users", disable=not progress) as bar:
                users_created = await _seed_users(connection, users, bar)
            raw_connection = await connection.get_raw_connection()
            raw = cast(asyncpg.Connection, raw_connection.driver_connection)
            with tqdm(total=products, unit="product", desc="products", disable=not progress) as bar:
                products_created = await _seed_products(raw, products, users, bar)
    finally:
        await engine.dispose()
    return SeedResult(
        users_created=users_created,
        users_total=users,
        products_created=products_created,
        products_total=products,
        seconds=time.perf_counter() - started,
    )
