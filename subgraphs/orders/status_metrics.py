"""``orders_by_status``: how many orders are in each status, counted in the database at scrape time.

A count kept in memory by the state machine would be wrong with several API replicas and workers
(each sees only its own transitions) and after a restart; the table is the one truth, so the gauge
is read from it. Every orders replica exports the same figures: dashboards take ``max by (status)``,
not ``sum``. The query is bounded: it runs at most once per ``refresh_seconds`` per process (scrapes
in between reuse its result), under a ``statement_timeout``; when it fails or times out the gauge
keeps its last values and ``orders_by_status_refresh_failures_total`` grows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models.orders import ORDER_STATUSES

log = logging.getLogger(__name__)
COUNT_BY_STATUS = text("SELECT status, count(*) AS n FROM orders.orders GROUP BY status")


class OrdersByStatus:
    """The gauge and its bounded refresh; :meth:`refresh` goes into ``ServiceMetrics.before_scrape``."""

    def __init__(
        self,
        registry: CollectorRegistry,
        engine: Callable[[], AsyncEngine | None],
        *,
        refresh_seconds: float,
        timeout_ms: int,
    ) -> None:
        self.engine = engine
        self.refresh_seconds = refresh_seconds
        self.timeout_ms = timeout_ms
        self._refreshed_at: float | None = None
        self.gauge = Gauge("orders_by_status", "Orders in each status (read from the database)", ["status"],
                           registry=registry)  # fmt: skip
        self.failures = Counter("orders_by_status_refresh_failures", "Failed or timed-out status counts",
                                registry=registry)  # fmt: skip

    async def refresh(self) -> None:
        now = time.monotonic()
        engine = self.engine()
        if engine is None or (self._refreshed_at is not None and now - self._refreshed_at < self.refresh_seconds):
            return
        self._refreshed_at = now  # also after a failure: a slow database is not asked again at once
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f"SET LOCAL statement_timeout = {int(self.timeout_ms)}"))
                rows = (await connection.execute(COUNT_BY_STATUS)).all()
        except Exception as error:
            self.failures.inc()
            log.warning("counting orders by status failed: %s: %s", type(error).__name__, error)
            return
        counts = {str(row.status): int(row.n) for row in rows}
        for status in ORDER_STATUSES:  # every status, so a status with no order shows 0, not a gap
            self.gauge.labels(status).set(counts.get(status, 0))
