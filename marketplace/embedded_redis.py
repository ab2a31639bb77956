"""The embedded Redis now lives in :mod:`servicekit.embedded_redis` (the orders worker starts it too,
and the subgraphs must not import the launcher); this name stays for the launcher and the tests."""

from __future__ import annotations

from servicekit.embedded_redis import EmbeddedRedis, start_embedded_redis

__all__ = ["EmbeddedRedis", "start_embedded_redis"]
