"""The platform of the chaos tests and of bench/ha.py: ``marketplace up --replicas 2`` behind its nginx,
on a database of its own and a PRIVATE Redis broker that may be killed (never the machine's servers)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from marketplace.edge import INSTALL_HINT, find_nginx
from tests.chaos.load import PASSWORD, Buyer, Catalogue
from tests.support.databases import create_database, drop_database
from tests.support.redis_server import LoopbackRedis
from tests.support.stack import RunningStack, start_stack

REPLICAS = 2
INITIAL_STOCK = 1_000_000
# The machine's PostgreSQL is shared (max_connections 100): eleven processes with default pools could
# take it all. The orders pools are settings; users and products keep their default.
SMALL_POOLS = {"MARKETPLACE_ORDERS_DATABASE_POOL_SIZE": "3", "MARKETPLACE_ORDERS_ACCEPT_POOL_SIZE": "3"}


class PrivateRedis(LoopbackRedis):
    """The chaos tests' broker: a Redis of their own that keeps its queue over a kill (append-only)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, appendonly=True)


@dataclass
class ChaosPlatform:
    stack: RunningStack
    broker: PrivateRedis
    engine: AsyncEngine
    database: str
    cafile: str
    catalogue: Catalogue

    @property
    def front(self) -> str:
        return f"https://127.0.0.1:{self.stack.ports['https']}"

    def instance_port(self, service: str, index: int) -> int:
        return self.stack.ports[service] + index * 100

    def pid(self, name: str) -> int:
        """The current pid of a supervised child (the launcher logs ``started (pid N)`` at each start)."""
        marker = f"{name:<10} | started (pid "
        lines = [line for line in self.stack.lines if marker in line]
        if not lines:
            raise LookupError(f"no start line for {name}")
        return int(lines[-1].split("(pid ")[1].rstrip(")"))

    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).all())


def _seed(front: str, cafile: str) -> Catalogue:
    trust = ssl.create_default_context(cafile=cafile)
    with httpx.Client(base_url=front, verify=trust, timeout=30) as client:

        def user(name: str) -> Buyer:
            email = f"{name}-{uuid.uuid4().hex[:8]}@example.com"
            created = client.post("/users", json={"email": email, "name": name, "password": PASSWORD})
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            auth = client.post(f"/users/{user_id}/auth", json={"password": PASSWORD})
            assert auth.status_code == 200, auth.text
            return Buyer(user_id, auth.json()["accessToken"])

        seller = user("seller")
        products = []
        for index in range(5):
            body = {
                "name": f"Chaos lamp {index}",
                "description": "survives anything",
                "price": {"amount": 1000 + index, "currency": "EUR"},
                "stock": INITIAL_STOCK,
                "category": "lighting",
            }
            created = client.post("/products", json=body, headers={"authorization": f"Bearer {seller.token}"})
            assert created.status_code == 201, created.text
            products.append(created.json()["id"])
        return Catalogue([user(f"buyer{i}") for i in range(4)], products)


@contextlib.asynccontextmanager
async def running_chaos_platform(
    pg_server_url: str, data_dir: Path, broker: PrivateRedis, replicas: int = REPLICAS
) -> AsyncIterator[ChaosPlatform]:
    """Start the platform (nginx required), seed it, yield it; stop it and drop its database."""
    if find_nginx() is None:
        raise RuntimeError(f"the chaos platform runs behind nginx: {INSTALL_HINT}")
    database_url = await create_database(pg_server_url, prefix="chaos")
    stack = start_stack(
        data_dir,
        database_url=database_url,
        broker_url=broker.url,
        replicas=replicas,
        edge="on",
        extra_env=SMALL_POOLS,
    )
    engine = create_engine(database_url, pool_size=2)
    try:
        await asyncio.to_thread(stack.wait_for_line, "press Ctrl-C to stop", 300)
        cafile = str(data_dir / "tls" / "server.crt")
        front = f"https://127.0.0.1:{stack.ports['https']}"
        catalogue = await asyncio.to_thread(_seed, front, cafile)
        name = make_url(database_url).database or ""
        yield ChaosPlatform(stack, broker, engine, name, cafile, catalogue)
    finally:
        await engine.dispose()
        await asyncio.to_thread(stack.stop)
        (data_dir / "launcher.log").write_text(stack.output)  # every process's output, for a failed run
        await drop_database(pg_server_url, database_url)
