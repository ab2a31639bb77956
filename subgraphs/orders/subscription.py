"""Live order tracking: ``orderUpdated(id)`` and ``myOrderUpdates`` (graphql-transport-ws).

Authorization is checked when the subscription starts AND for every event: the caller's token
must still be valid (the stream also ends on its own when the token expires, event or not) and
the caller must still see the order (its buyer, a seller of one of its products, or an admin).
A failed check ends the stream with an error carrying the usual ``extensions.code``.

Changes reach this process through :class:`subgraphs.orders.changes.OrderChanges`, whichever
process made them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from servicekit.auth import Principal, bearer_token
from servicekit.errors import Forbidden, NotFound, Unauthenticated
from subgraphs.orders.changes import Change, Listener, OrderChanges
from subgraphs.orders.context import OrdersContext
from subgraphs.orders.loaders import build_loaders
from subgraphs.orders.service.orders import can_view, view_order
from subgraphs.orders.service.store import parse_order_id
from subgraphs.orders.types import Order


async def subscriber(context: OrdersContext) -> Principal:
    """The caller: the handshake's ``Authorization`` header, else ``connection_init``'s ``Authorization``."""
    if context.principal is None and context.auth_error is None and context.tokens is not None:
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer_token(raw) if isinstance(raw, str) else None
        if token is not None:
            context.principal = await context.tokens.verify(token)
    return context.require_principal()


def _hub(context: OrdersContext) -> OrderChanges:
    hub = context.changes
    if hub is None:
        raise RuntimeError("order changes are not running in this process")
    return hub


async def _events(context: OrdersContext, principal: Principal, listener: Listener) -> AsyncGenerator[Order, None]:
    hub = _hub(context)
    hub.subscribe(listener)
    try:
        while True:
            change = await _next(listener, principal)
            if change is None:
                return
            record = change.record
            if principal.expires_at is not None and principal.expires_at <= time.time():
                raise Unauthenticated("the access token expired; subscribe again with a fresh token")
            if not can_view(principal, record):
                raise Forbidden("you may no longer see this order")
            # The delivery's loaders (shared by every subscriber of this burst of changes), never the
            # connection's own: the context lives as long as the socket, its cache would be stale.
            context.loaders = change.shared if change.shared is not None else build_loaders(context.orders.sessions)
            yield Order.of(record)
    finally:
        hub.unsubscribe(listener)


async def _next(listener: Listener, principal: Principal) -> Change | None:
    if principal.expires_at is None:
        return await listener.queue.get()
    try:
        return await asyncio.wait_for(listener.queue.get(), max(0.0, principal.expires_at - time.time()))
    except TimeoutError:
        raise Unauthenticated("the access token expired; subscribe again with a fresh token") from None


async def order_updated(info: Info[OrdersContext, None], id: strawberry.ID) -> AsyncGenerator[Order, None]:
    context = info.context
    principal = await subscriber(context)
    order_id = parse_order_id(id)
    if order_id is None or await view_order(context.orders, principal, order_id) is None:
        raise NotFound("no such order", id=str(id))
    async for order in _events(context, principal, Listener(order_id=order_id)):
        yield order


async def my_order_updates(info: Info[OrdersContext, None]) -> AsyncGenerator[Order, None]:
    context = info.context
    principal = await subscriber(context)
    async for order in _events(context, principal, Listener(user_id=principal.user_id)):
        yield order


@strawberry.type
class Subscription:
    order_updated: Order = strawberry.subscription(  # type: ignore[assignment]
        resolver=order_updated,
        description="The order each time its status, tracking or timeline changes (buyer, sellers, admins).",
    )
    my_order_updates: Order = strawberry.subscription(  # type: ignore[assignment]
        resolver=my_order_updates,
        description="Each change of an order the caller bought or sells a product of.",
    )
