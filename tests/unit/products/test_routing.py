"""Which database a read goes to: replica by default, primary after writes or replica failures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine
from subgraphs.products.database import ProductsDatabase, ReadRouting, Source, is_replica_failure

pytestmark = pytest.mark.products


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture(loop_scope="session")
async def routing_db() -> AsyncIterator[tuple[ProductsDatabase, Clock]]:
    clock = Clock()
    db = ProductsDatabase(
        create_engine("postgresql://nobody@127.0.0.1:1/primary"),
        create_engine("postgresql://nobody@127.0.0.1:1/replica"),
        read_your_writes_seconds=5,
        replica_retry_seconds=2,
        clock=clock,
    )
    yield db, clock
    await db.dispose()


async def test_reads_use_the_replica_unless_the_caller_just_wrote(routing_db: tuple[ProductsDatabase, Clock]) -> None:
    db, clock = routing_db
    writer = ReadRouting(user_id="writer")
    assert db.read_source(writer) is Source.REPLICA
    db.note_write(writer)
    assert db.read_source(writer) is Source.PRIMARY
    next_request = ReadRouting(user_id="writer")
    assert db.read_source(next_request) is Source.PRIMARY
    assert db.read_source(ReadRouting(user_id="someone else")) is Source.REPLICA
    clock.now += 5.1
    assert db.read_source(ReadRouting(user_id="writer")) is Source.REPLICA
    assert db.read_source(writer) is Source.PRIMARY  # the request that wrote still reads its writes


async def test_a_replica_that_cannot_be_reached_is_skipped_for_a_while(
    routing_db: tuple[ProductsDatabase, Clock],
) -> None:
    db, clock = routing_db

    async def work(session: AsyncSession) -> int:
        return int((await session.execute(text("SELECT 1"))).scalar_one())

    with pytest.raises(OSError):  # noqa: PT011 - the primary's connection error, after the replica's
        await db.read(work, ReadRouting())
    assert db.read_source(ReadRouting()) is Source.PRIMARY
    clock.now += 2.1
    assert db.read_source(ReadRouting()) is Source.REPLICA


def test_only_unavailability_counts_as_a_replica_failure() -> None:
    assert is_replica_failure(ConnectionRefusedError())
    assert is_replica_failure(TimeoutError())
    cannot_connect = asyncpg.CannotConnectNowError("the database system is starting up")
    assert is_replica_failure(sa_exc.DBAPIError("SELECT 1", None, cannot_connect))
    assert not is_replica_failure(ValueError("bad"))
    assert not is_replica_failure(sa_exc.DBAPIError("SELECT 1", None, asyncpg.UndefinedColumnError("no column")))


def test_without_a_replica_everything_reads_from_the_primary() -> None:
    db = ProductsDatabase(create_engine("postgresql://nobody@127.0.0.1:1/primary"))
    assert db.read_source(ReadRouting()) is Source.PRIMARY
