"""A worker process's async side: one event loop thread holding the engine, the stock client and
the publisher, on which the (synchronous) Dramatiq actors run their coroutines and the sweeper runs."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import close_engine, create_engine, session_factory
from servicekit.internal import internal_secret
from subgraphs.orders.service.orders import OrdersDeps
from subgraphs.orders.service.outbox import Publisher
from subgraphs.orders.service.processing import WorkerDeps
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.stock import HttpStockClient, StockClient
from subgraphs.orders.sweeper import run_sweeper

T = TypeVar("T")
StockFactory = Callable[[OrdersSettings], StockClient]


def http_stock_client(settings: OrdersSettings) -> StockClient:
    secret = internal_secret(settings.internal_secret, settings.data_dir)
    return HttpStockClient(settings.products_url, secret, timeout=settings.stock_timeout_seconds)


class WorkerRuntime:
    def __init__(
        self, settings: OrdersSettings, publisher: Publisher, stock_factory: StockFactory = http_stock_client
    ) -> None:
        if settings.effective_database_url is None:
            raise ValueError("the orders worker needs a database URL")
        self.settings = settings
        self.publisher = publisher
        self.stock_factory = stock_factory
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="orders-runtime", daemon=True)
        self._engine: AsyncEngine | None = None
        self._deps: WorkerDeps | None = None
        self._stop_sweeper: asyncio.Event | None = None
        self._sweeper: concurrent.futures.Future[None] | None = None

    @property
    def deps(self) -> WorkerDeps:
        if self._deps is None:
            raise RuntimeError("the worker runtime is not started")
        return self._deps

    def start(self) -> None:
        self.thread.start()
        self.run(self._open())

    async def _open(self) -> None:
        url = self.settings.effective_database_url
        assert url is not None
        self._engine = create_engine(url, pool_size=self.settings.database_pool_size, pool_name="orders-worker")
        orders = OrdersDeps(
            sessions=session_factory(self._engine),
            publisher=self.publisher,
            publish_grace=self.settings.publish_grace_seconds,
            redeliver_after=self.settings.redeliver_after_seconds,
        )
        self._deps = WorkerDeps(orders=orders, stock=self.stock_factory(self.settings))
        self._stop_sweeper = asyncio.Event()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the runtime's loop from any thread and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start_sweeper(self) -> None:
        assert self._stop_sweeper is not None
        self._sweeper = asyncio.run_coroutine_threadsafe(
            run_sweeper(
                self.deps.orders,
                interval=self.settings.sweep_interval_seconds,
                batch=self.settings.sweep_batch_size,
                stop=self._stop_sweeper,
            ),
            self.loop,
        )

    def stop(self) -> None:
        if not self.thread.is_alive():
            return
        if self._stop_sweeper is not None:
            self.loop.call_soon_threadsafe(self._stop_sweeper.set)
        if self._sweeper is not None:
            self._sweeper.result(timeout=30)
        self.run(self._close(), timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _close(self) -> None:
        if self._deps is not None:
            await self._deps.stock.aclose()
        if self._engine is not None:
            await close_engine(self._engine)
