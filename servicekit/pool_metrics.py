"""Connection-pool gauges of every engine this process made with :func:`db.engine.create_engine`.

Read from SQLAlchemy's pool at scrape time (no bookkeeping on the request path), one series per
pool name: ``db_pool_size`` (connections kept open), ``db_pool_checked_out`` (in use now),
``db_pool_overflow`` (opened beyond the size; negative while the pool is still filling) and
``db_pool_max`` (size plus allowed overflow: checked out at this value means requests wait).
Engines are held weakly, and :func:`db.engine.close_engine` takes one out at once.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

_engines: weakref.WeakKeyDictionary[AsyncEngine, tuple[str, int]] = weakref.WeakKeyDictionary()


def watch_pool(engine: AsyncEngine, name: str, max_overflow: int) -> None:
    """Export ``engine``'s pool under ``pool="<name>"`` (called by :func:`db.engine.create_engine`)."""
    _engines[engine] = (name, max(max_overflow, 0))


def forget_pool(engine: AsyncEngine) -> None:
    """Stop exporting ``engine``'s pool (it was disposed for good: see :func:`db.engine.close_engine`)."""
    _engines.pop(engine, None)


def pool_figures() -> dict[str, dict[str, int]]:
    """Per pool name: size, checked_out, overflow, max (engines of one name, as in tests, are added up)."""
    figures: dict[str, dict[str, int]] = {}
    for engine, (name, max_overflow) in list(_engines.items()):
        pool = engine.sync_engine.pool
        if not isinstance(pool, QueuePool):  # NullPool/StaticPool: nothing pooled to report
            continue
        size, overflow = pool.size(), pool.overflow()
        row = figures.setdefault(name, {"size": 0, "checked_out": 0, "overflow": 0, "max": 0})
        row["size"] += size
        row["checked_out"] += pool.checkedout()
        row["overflow"] += overflow
        row["max"] += size + max_overflow
    return figures


class DatabasePoolCollector(Collector):
    """The pool gauges; register one on a service's registry."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = pool_figures()
        families = {
            "size": GaugeMetricFamily("db_pool_size", "Connections the pool keeps", labels=["pool"]),
            "checked_out": GaugeMetricFamily("db_pool_checked_out", "Connections in use", labels=["pool"]),
            "overflow": GaugeMetricFamily("db_pool_overflow", "Connections beyond the pool size", labels=["pool"]),
            "max": GaugeMetricFamily("db_pool_max", "Most connections the pool opens", labels=["pool"]),
        }
        for name, row in sorted(figures.items()):
            for key, family in families.items():
                family.add_metric([name], row[key])
        yield from families.values()
