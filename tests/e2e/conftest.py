"""The whole platform, started once per session through the launcher (``marketplace up``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.stack import RunningStack, start_stack


@pytest.fixture(scope="module")
def platform(
    tmp_path_factory: pytest.TempPathFactory, private_database_url: str, redis_url: str
) -> Iterator[RunningStack]:
    stack = start_stack(
        Path(tmp_path_factory.mktemp("platform")), database_url=private_database_url, broker_url=redis_url
    )
    try:
        stack.wait_for_line("press Ctrl-C to stop", timeout=240)
        yield stack
    finally:
        stack.stop()
