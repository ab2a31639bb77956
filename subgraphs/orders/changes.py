"""Order changes, live: one ``LISTEN orders_changed`` connection per process, fanned out to subscribers.

A trigger (migration ``0002``) sends ``NOTIFY orders_changed, '<order id>'`` inside the transaction
of every change to an order, whoever makes it (an API instance, a worker), and PostgreSQL delivers
it on commit only. This hub holds one plain asyncpg connection that listens, loads the changed
order ONCE per notification (not once per subscriber) and hands the record to the queues of the
subscribers of that order id and of the users it concerns (buyer, sellers). Each subscriber decides
for itself, per event, whether its caller may still see it (see :mod:`subgraphs.orders.subscription`).

When the listening connection drops (database restart), the hub reconnects with backoff and then
sends every subscriber the current state of its order, since notifications sent while it was away
are lost: a subscriber may see a state twice, never miss the last one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from servicekit.settings import normalize_database_url
from subgraphs.orders.domain import OrderRecord

log = logging.getLogger(__name__)

CHANNEL = "orders_changed"
QUEUE_SIZE = 64

Loader = Callable[[list[uuid.UUID]], Awaitable[dict[uuid.UUID, OrderRecord]]]


@dataclass(frozen=True, slots=True)
class Change:
    """A changed order as one delivery hands it out; ``shared`` is made once per delivery (e.g. the
    DataLoaders every subscriber resolves the event with, so N subscribers cost one query, not N)."""

    record: OrderRecord
    shared: Any = None


@dataclass(eq=False)
class Listener:
    """One subscriber: the order ids or user id it follows, and the queue of records it reads."""

    order_id: uuid.UUID | None = None
    user_id: str | None = None
    queue: asyncio.Queue[Change | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def offer(self, record: Change | None) -> None:
        # A subscriber too slow to keep up loses the oldest states, never the newest: a tracker
        # only needs the current one.
        if self.queue.full():
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
        self.queue.put_nowait(record)


def _discard(index: dict[Any, set[Listener]], key: object, listener: Listener) -> None:
    found = index.get(key)
    if found is not None:
        found.discard(listener)
        if not found:
            del index[key]


def _set(event: asyncio.Event, _connection: object) -> None:
    event.set()


def _asyncpg_dsn(url: str) -> str:
    normalized = normalize_database_url(url) or url
    return normalized.replace("postgresql+asyncpg://", "postgresql://", 1)


class OrderChanges:
    """The process's hub: start it once, then ``subscribe``/``unsubscribe`` listeners."""

    keepalive_seconds = 15.0

    def __init__(
        self,
        database_url: str,
        load: Loader,
        *,
        retry_seconds: float = 1.0,
        shared: Callable[[], Any] | None = None,
    ) -> None:
        self._shared = shared
        self._dsn = _asyncpg_dsn(database_url)
        self._load = load
        self._retry = retry_seconds
        self._by_order: dict[uuid.UUID, set[Listener]] = defaultdict(set)
        self._by_user: dict[str, set[Listener]] = defaultdict(set)
        self._pending: set[uuid.UUID] = set()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = asyncio.Event()
        self.notifications = 0

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._deliver())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for listeners in [*self._by_order.values(), *self._by_user.values()]:
            for listener in listeners:
                listener.offer(None)  # ends the subscriber's stream

    @property
    def subscribers(self) -> int:
        return sum(len(s) for s in self._by_order.values()) + sum(len(s) for s in self._by_user.values())

    def subscribe(self, listener: Listener) -> None:
        if listener.order_id is not None:
            self._by_order[listener.order_id].add(listener)
        if listener.user_id is not None:
            self._by_user[listener.user_id].add(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener.order_id is not None:
            _discard(self._by_order, listener.order_id, listener)
        if listener.user_id is not None:
            _discard(self._by_user, listener.user_id, listener)

    # -- the listening connection -------------------------------------------------------------

    def _notified(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        self.notifications += 1
        try:
            order_id = uuid.UUID(payload)
        except ValueError:
            return
        if order_id in self._by_order or self._by_user:
            self._pending.add(order_id)
            self._wake.set()

    async def _listen(self) -> None:
        first = True
        while True:
            connection: asyncpg.Connection | None = None
            try:
                connection = await asyncpg.connect(self._dsn, server_settings={"application_name": "orders-changes"})
                lost = asyncio.Event()
                connection.add_termination_listener(functools.partial(_set, lost))
                await connection.add_listener(CHANNEL, self._notified)
                self.connected.set()
                if not first:
                    self._resync()
                first = False
                log.info("listening for order changes")
                await self._watch(connection, lost)
                log.warning("order changes: the listening connection was lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database is down or restarting: try again
                log.warning("order changes: cannot listen (%s); retrying in %.1fs", error, self._retry)
            finally:
                self.connected.clear()
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.shield(connection.close(timeout=2))
            await asyncio.sleep(self._retry)

    async def _watch(self, connection: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Until the connection is lost; a query now and then finds a peer that vanished without a word."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self.keepalive_seconds)
                return
            await asyncio.wait_for(connection.execute("SELECT 1"), self.keepalive_seconds)

    def _resync(self) -> None:
        """After a reconnection: every followed order gets its current state (changes may have been missed).

        A ``myOrderUpdates`` subscriber follows a user, not orders: it sees the next change.
        """
        self._pending.update(self._by_order)
        self._wake.set()

    # -- delivery -----------------------------------------------------------------------------

    async def _deliver(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = list(self._pending), set()
            if not batch:
                continue
            try:
                records = await self._load(batch)
            except Exception:
                log.exception("order changes: cannot load %d changed orders; retrying", len(batch))
                self._pending.update(batch)
                await asyncio.sleep(self._retry)
                self._wake.set()
                continue
            shared = self._shared() if self._shared is not None else None
            for record in records.values():
                self._fan_out(Change(record, shared))

    def _fan_out(self, change: Change) -> None:
        record = change.record
        targets: set[Listener] = set(self._by_order.get(record.id, ()))
        for user in (record.buyer_id, *record.seller_ids):
            targets.update(self._by_user.get(user, ()))
        for listener in targets:
            listener.offer(change)
