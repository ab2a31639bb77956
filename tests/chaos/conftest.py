"""One platform shared by every chaos test (session scope): see tests/chaos/platform.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from marketplace.edge import INSTALL_HINT, find_nginx
from tests.chaos.platform import ChaosPlatform, PrivateRedis, running_chaos_platform


@pytest.fixture(scope="session")
def private_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    broker = PrivateRedis(tmp_path_factory.mktemp("chaos-redis"))
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def chaos(
    tmp_path_factory: pytest.TempPathFactory, pg_server_url: str, private_broker: PrivateRedis
) -> AsyncIterator[ChaosPlatform]:
    if find_nginx() is None:
        pytest.fail(f"the chaos tests run through nginx: {INSTALL_HINT}")
    data_dir = Path(tmp_path_factory.mktemp("chaos"))
    async with running_chaos_platform(pg_server_url, data_dir, private_broker) as platform:
        yield platform
