"""The demo seeder: users that can sign in with the demo password, products sold by them, idempotent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from argon2 import PasswordHasher

from db.migrate import migrate_all
from subgraphs.products.seed import DEMO_PASSWORD, seed
from tests.support.databases import asyncpg_dsn, create_database, drop_database

pytestmark = [pytest.mark.products, pytest.mark.integration]


@pytest_asyncio.fixture(loop_scope="session")
async def seed_database(pg_server_url: str) -> AsyncIterator[str]:
    url = await create_database(pg_server_url, prefix="seed")
    try:
        await migrate_all({"users": url, "products": url}, services=("users", "products"))
        yield url
    finally:
        await drop_database(pg_server_url, url)


async def test_seeding_twice_adds_nothing_the_second_time(seed_database: str) -> None:
    first = await seed(seed_database, users=4, products=250, progress=False)
    assert (first.users_created, first.products_created) == (4, 250)
    more = await seed(seed_database, users=4, products=300, progress=False)
    assert (more.users_created, more.products_created) == (0, 50)
    again = await seed(seed_database, users=4, products=300, progress=False)
    assert (again.users_created, again.products_created) == (0, 0)

    connection = await asyncpg.connect(asyncpg_dsn(seed_database))
    try:
        assert await connection.fetchval("SELECT count(*) FROM products.products") == 300
        orphans = await connection.fetchval(
            "SELECT count(*) FROM products.products p WHERE NOT EXISTS "
            "(SELECT 1 FROM users.users u WHERE u.id = p.seller_id AND u.deleted_at IS NULL)"
        )
        assert orphans == 0
        sellers = await connection.fetchval("SELECT count(DISTINCT seller_id) FROM products.products")
        assert sellers == 4
        users = await connection.fetch("SELECT email, name, role, password_hash FROM users.users")
        assert len({row["email"] for row in users}) == 4
        assert all(row["role"] == "USER" for row in users)
        assert PasswordHasher().verify(users[0]["password_hash"], DEMO_PASSWORD)
        categories = await connection.fetchval("SELECT count(DISTINCT category) FROM products.products")
        assert categories >= 5
        assert await connection.fetchval("SELECT min(price_amount) FROM products.products") > 0
        searchable = await connection.fetchval(
            "SELECT count(*) FROM products.products WHERE search @@ websearch_to_tsquery('english', 'guarantee')"
        )
        assert searchable > 0
    finally:
        await connection.close()
