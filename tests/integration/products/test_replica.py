"""Reads on the replica, writes on the primary, read-your-writes, and falling back when the replica
is down: against a real primary and a real hot standby streaming from it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from db.engine import create_engine
from db.migrate import migrate_all
from subgraphs.products.app import create_app
from subgraphs.products.context import READ_SOURCE_HEADER
from subgraphs.products.database import ProductsDatabase, ReadRouting, Source
from subgraphs.products.settings import ProductsSettings
from tests.integration.products.conftest import CREATE, INTERNAL_SECRET, new_id
from tests.integration.products.replication import ReplicatedPair, Server, start_replicated_pair
from tests.support.servers import serve_app
from tests.support.tokens import TestTokens

pytestmark = [pytest.mark.products, pytest.mark.integration]

PRODUCT = "query($id: ID!) { product(id: $id) { id name } }"


@pytest.fixture(scope="module")
def pair() -> Iterator[ReplicatedPair]:
    servers = start_replicated_pair()
    try:
        yield servers
    finally:
        servers.cleanup()


async def wait_for_schema_on(server: Server, timeout: float = 60) -> None:
    """Replication is asynchronous: wait until the standby has replayed the migration."""
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{server.port}/postgres")
    try:
        deadline = time.monotonic() + timeout
        while await connection.fetchval("SELECT to_regclass('products.products')") is None:
            if time.monotonic() > deadline:
                raise AssertionError("the standby never replayed the products migration")
            await asyncio.sleep(0.05)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def replica_app(pair: ReplicatedPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Starlette, str]]:
    asyncio.run(migrate_all({"products": pair.primary.url()}, services=["products"]))
    asyncio.run(wait_for_schema_on(pair.standby))
    settings = ProductsSettings(
        database_url=pair.primary.url(),
        read_database_url=pair.standby.url(),
        data_dir=Path(tmp_path_factory.mktemp("replica-data")),
        internal_secret=INTERNAL_SECRET,
        read_your_writes_seconds=600,
        replica_retry_seconds=0.2,
    )
    tokens = TestTokens()
    app = create_app(settings, verifier=tokens.verifier())
    app.state.tokens = tokens
    with serve_app(app) as url:
        yield app, url


@pytest_asyncio.fixture(loop_scope="session")
async def client(replica_app: tuple[Starlette, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=replica_app[1], timeout=60) as http:
        yield http


def app_database(replica_app: tuple[Starlette, str]) -> ProductsDatabase:
    db: ProductsDatabase = replica_app[0].state.products.db
    return db


@pytest_asyncio.fixture(loop_scope="session")
async def routed(pair: ReplicatedPair) -> AsyncIterator[ProductsDatabase]:
    """The routing the app uses, on engines of the test's own event loop, to ask each server directly."""
    db = ProductsDatabase(
        create_engine(pair.primary.url()), create_engine(pair.standby.url()), replica_retry_seconds=0.2
    )
    try:
        yield db
    finally:
        await db.dispose()


async def in_recovery(session: AsyncSession) -> bool:
    return bool((await session.execute(text("SELECT pg_is_in_recovery()"))).scalar_one())


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[dict[str, Any], str]:
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"], response.headers.get(READ_SOURCE_HEADER, "")


async def eventually_visible(client: httpx.AsyncClient, product_id: str, timeout: float = 30) -> str:
    """Poll as an anonymous reader until replication has brought the product; the read source."""
    deadline = time.monotonic() + timeout
    while True:
        data, source = await post(client, PRODUCT, {"id": product_id})
        if data["product"] is not None:
            return source
        if time.monotonic() > deadline:
            raise AssertionError(f"product {product_id} never reached the replica")
        await asyncio.sleep(0.05)


async def test_reads_go_to_the_replica_and_writes_to_the_primary(routed: ProductsDatabase) -> None:
    db = routed
    assert await db.read(in_recovery, ReadRouting()) is True
    assert await db.write(in_recovery, ReadRouting()) is False
    routing = ReadRouting(user_id=new_id())
    await db.write(in_recovery, routing)
    assert await db.read(in_recovery, routing) is False  # the same request read its own writes


async def test_a_writer_reads_its_own_writes_from_the_primary(
    client: httpx.AsyncClient, replica_app: tuple[Starlette, str]
) -> None:
    tokens: TestTokens = replica_app[0].state.tokens
    writer = new_id()
    product_input = {"name": "Stoneware bowl", "category": "kitchen", "price": {"amount": 1800, "currency": "EUR"}}
    created, source = await post(
        client,
        CREATE.replace("seller { id }", "seller { id products { totalCount items { id } } }"),
        {"input": product_input},
        tokens.headers(writer),
    )
    product = created["createProduct"]
    assert source == "primary"  # the request wrote, so its nested read used the primary
    assert product["seller"]["products"]["items"] == [{"id": product["id"]}]

    data, source = await post(client, PRODUCT, {"id": product["id"]}, tokens.headers(writer))
    assert (data["product"]["id"], source) == (product["id"], "primary")  # the writer's next request
    assert app_database(replica_app).read_source(ReadRouting(user_id=writer)) is Source.PRIMARY
    assert app_database(replica_app).read_source(ReadRouting(user_id=new_id())) is Source.REPLICA

    assert await eventually_visible(client, product["id"]) == "replica"
    data, source = await post(client, PRODUCT, {"id": product["id"]}, tokens.headers(new_id()))
    assert (data["product"]["id"], source) == (product["id"], "replica")


async def test_reads_fall_back_to_the_primary_while_the_replica_is_down(
    client: httpx.AsyncClient, replica_app: tuple[Starlette, str], pair: ReplicatedPair, routed: ProductsDatabase
) -> None:
    tokens: TestTokens = replica_app[0].state.tokens
    created, _ = await post(
        client,
        CREATE,
        {"input": {"name": "Rope basket", "category": "home", "price": {"amount": 900, "currency": "EUR"}}},
        tokens.headers(new_id()),
    )
    product_id = created["createProduct"]["id"]
    await eventually_visible(client, product_id)

    await asyncio.to_thread(pair.stop, pair.standby)
    try:
        data, source = await post(client, PRODUCT, {"id": product_id})
        assert (data["product"]["id"], source) == (product_id, "primary")
        assert await routed.read(in_recovery, ReadRouting()) is False
    finally:
        await asyncio.to_thread(pair.start, pair.standby)

    deadline = time.monotonic() + 30
    while await routed.read(in_recovery, ReadRouting()) is not True:
        assert time.monotonic() < deadline, "reads never went back to the restarted replica"
        await asyncio.sleep(0.1)
    _, source = await post(client, PRODUCT, {"id": product_id})
    assert source == "replica"
