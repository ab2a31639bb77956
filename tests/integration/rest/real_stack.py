"""A broker of its own for the REST end-to-end test's platform."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from marketplace.embedded_redis import start_embedded_redis


@contextlib.contextmanager
def embedded_redis(folder: Path) -> Iterator[str]:
    server = start_embedded_redis(folder)
    try:
        yield server.url
    finally:
        server.stop()
