"""Fixtures of the orders integration tests: real PostgreSQL, real brokers, real HTTP.

Every test that takes ``broker_url`` runs once per configured broker: Redis always (the configured
``TEST_REDIS_URL`` or an embedded one), RabbitMQ when ``TEST_RABBITMQ_URL`` (or an ``amqp://``
``BROKER_URL``) is set. The choice is made at collection time, so nothing is skipped. Each test
gets a queue of its own and each session a Redis key namespace of its own, so parallel runs and
tests never consume each other's messages.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from subgraphs.orders.settings import OrdersSettings
from subgraphs.products.app import create_app as create_products_app
from subgraphs.products.settings import ProductsSettings
from tests.integration.orders.harness import INTERNAL_SECRET, OrdersStack, running_stack
from tests.integration.orders.products import Products
from tests.support.servers import serve_app
from tests.support.tokens import TestTokens

SESSION_TAG = uuid.uuid4().hex[:8]


def configured_brokers() -> list[str]:
    kinds = ["redis"]
    rabbit = os.environ.get("TEST_RABBITMQ_URL", "").strip()
    broker = os.environ.get("BROKER_URL", "").strip()
    if rabbit or broker.startswith(("amqp://", "amqps://")):
        kinds.append("rabbitmq")
    return kinds


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "broker_kind" in metafunc.fixturenames:
        metafunc.parametrize("broker_kind", configured_brokers(), scope="session")


@pytest.fixture(scope="session")
def broker_url(broker_kind: str, request: pytest.FixtureRequest) -> str:
    url = request.getfixturevalue("redis_url" if broker_kind == "redis" else "rabbitmq_url")
    assert url, f"{broker_kind} is not configured"
    return str(url)


@pytest.fixture(scope="session")
def tokens() -> TestTokens:
    return TestTokens()


@pytest.fixture(scope="session")
def products_url(database_url: str, data_dir: Path, tokens: TestTokens) -> Iterator[str]:
    """The real products subgraph over HTTP, trusting the same test tokens and internal secret."""
    settings = ProductsSettings(database_url=database_url, data_dir=data_dir, internal_secret=INTERNAL_SECRET)
    with serve_app(create_products_app(settings, verifier=tokens.verifier())) as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def orders_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, pool_size=5)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def products(products_url: str, tokens: TestTokens, orders_engine: AsyncEngine) -> Products:
    return Products(products_url, tokens, orders_engine)


def orders_settings(
    database_url: str, broker_url: str, products_url: str, data_dir: Path, **overrides: Any
) -> OrdersSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "broker_url": broker_url,
        "products_url": products_url,
        "internal_secret": INTERNAL_SECRET,
        "data_dir": data_dir,
        "queue_name": f"orders-test-{SESSION_TAG}-{uuid.uuid4().hex[:8]}",
        "broker_namespace": f"marketplace-test-{SESSION_TAG}",
        "worker_threads": 4,
        "max_retries": 2,
        "retry_min_backoff_ms": 50,
        "retry_max_backoff_ms": 200,
        "publish_grace_seconds": 1.0,
        "redeliver_after_seconds": 30.0,
        "sweep_interval_seconds": 0.3,
        "redis_heartbeat_timeout_ms": 2000,
        "redis_maintenance_chance": 1_000_000,
        "database_pool_size": 10,
    }
    values.update(overrides)
    return OrdersSettings(**values)


StackFactory = Callable[..., AbstractAsyncContextManager[OrdersStack]]


@pytest.fixture
def orders_stack(
    database_url: str,
    broker_url: str,
    products_url: str,
    tokens: TestTokens,
    orders_engine: AsyncEngine,
    tmp_path: Path,
) -> StackFactory:
    """``async with orders_stack(**settings) as stack``: the app on its own queue, workers on demand."""

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[OrdersStack]:
        settings = orders_settings(database_url, broker_url, products_url, tmp_path, **overrides)
        with running_stack(settings, tokens, orders_engine) as stack:
            try:
                yield stack
            finally:
                await stack.client.aclose()

    return build
