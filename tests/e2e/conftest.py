"""The whole platform, started through the launcher (``marketplace up``) on a database of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import RunningStack, running_platform


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, private_database_url: str, redis_url: str
) -> Iterator[RunningStack]:
    data_dir = Path(tmp_path_factory.mktemp("platform"))
    with running_platform(data_dir, database_url=private_database_url, broker_url=redis_url) as stack:
        yield stack
