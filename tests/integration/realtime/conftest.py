"""Fixtures of the real-time tests: the orders tests' fixtures (database, broker, products, tokens) and the platform."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.integration.orders.conftest import (  # noqa: F401 - fixtures, found by pytest by name
    broker_url,
    orders_engine,
    orders_settings,
    products,
    products_url,
    pytest_generate_tests,
    tokens,
)
from tests.integration.realtime.platform import Platform, running_platform
from tests.support.tokens import TestTokens


@pytest.fixture(scope="module")
def platform(
    database_url: str,
    broker_url: str,  # noqa: F811
    products_url: str,  # noqa: F811
    tokens: TestTokens,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("realtime")
    settings = orders_settings(
        database_url, broker_url, products_url, data_dir, queue_name=f"rt-{uuid.uuid4().hex[:8]}"
    )
    with running_platform(
        database_url=database_url,
        data_dir=data_dir,
        tokens=tokens,
        orders_settings=settings,
        products_url=products_url,
        router_config={"subscription": {"heartbeat_interval": "1s"}, "supergraph": {"defer_support": True}},
    ) as running:
        yield running
