"""Per-request DataLoaders: one SQL query per batch of orders, whatever the number of orders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from subgraphs.orders.domain import EventRecord, OrderItemRecord, OrderRecord
from subgraphs.orders.service.store import events_for, items_for, orders_by_ids


@dataclass
class OrderLoaders:
    orders: DataLoader[uuid.UUID, OrderRecord | None]
    items: DataLoader[uuid.UUID, list[OrderItemRecord]]
    events: DataLoader[uuid.UUID, list[EventRecord]]


def build_loaders(sessions: async_sessionmaker[AsyncSession]) -> OrderLoaders:
    async def load_orders(ids: Sequence[uuid.UUID]) -> list[OrderRecord | None]:
        async with sessions() as session:
            found = await orders_by_ids(session, list(ids))
        return [found.get(order_id) for order_id in ids]

    async def load_items(ids: Sequence[uuid.UUID]) -> list[list[OrderItemRecord]]:
        async with sessions() as session:
            found = await items_for(session, list(ids))
        return [found.get(order_id, []) for order_id in ids]

    async def load_events(ids: Sequence[uuid.UUID]) -> list[list[EventRecord]]:
        async with sessions() as session:
            found = await events_for(session, list(ids))
        return [found.get(order_id, []) for order_id in ids]

    return OrderLoaders(
        orders=DataLoader(load_fn=load_orders),
        items=DataLoader(load_fn=load_items),
        events=DataLoader(load_fn=load_events),
    )
