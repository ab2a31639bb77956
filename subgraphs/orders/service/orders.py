"""What callers do with orders: submit, read, change, cancel. Plain async functions over the DB.

Every change is one transaction with a guarded ``UPDATE ... WHERE status = :expected``: of two
conflicting requests one wins and the other gets ``CONFLICT``. Work for the worker (process an
order, release its stock) is recorded in the outbox inside that same transaction and published
after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from servicekit.auth import Principal
from servicekit.errors import BadUserInput, Conflict, Forbidden, NotFound, Unavailable
from subgraphs.orders.domain import (
    ADDRESS_CHANGEABLE,
    CANCELLABLE,
    REQUESTABLE,
    TERMINAL,
    TRANSITIONS,
    Actor,
    ItemRequest,
    OrderPage,
    OrderRecord,
    Status,
    TrackingInfo,
)
from subgraphs.orders.service.accept import OutcomeUnknown, existing_order, insert_order
from subgraphs.orders.service.dispatch import TaskDispatcher
from subgraphs.orders.service.outbox import Publisher, Task, TaskKind, add_task, publish_after_commit
from subgraphs.orders.service.store import (
    events_table,
    get_order,
    order_record,
    orders_by_ids,
    orders_table,
)
from subgraphs.orders.service.store import orders_of_buyer as load_orders_of_buyer
from subgraphs.orders.validation import order_id_for as derive_order_id
from subgraphs.orders.validation import (
    validate_address,
    validate_idempotency_key,
    validate_order,
    validate_tracking,
)

MAX_PAGE = 100


@dataclass(frozen=True)
class OrdersDeps:
    """What the service functions need; built once per process.

    ``accept_engine`` and ``dispatcher`` serve ``createOrder`` (the API process has them): the
    one-statement insert and the publish after the response. Without them (the worker process,
    which never accepts orders) ``createOrder`` falls back to the sessions and publishes inline.
    """

    sessions: async_sessionmaker[AsyncSession]
    publisher: Publisher
    publish_grace: float = 5.0
    redeliver_after: float = 120.0
    accept_engine: AsyncEngine | None = None
    dispatcher: TaskDispatcher | None = None

    def writer(self) -> AsyncEngine:
        if self.accept_engine is not None:
            return self.accept_engine
        bind = self.sessions.kw.get("bind")
        if not isinstance(bind, AsyncEngine):
            raise RuntimeError("the orders sessions are not bound to an engine")
        return bind


async def add_event(session: AsyncSession, order_id: uuid.UUID, status: Status, description: str) -> None:
    await session.execute(insert(events_table).values(order_id=order_id, status=status.value, description=description))


def actors_of(principal: Principal, order: OrderRecord) -> frozenset[Actor]:
    actors = set()
    if principal.is_admin:
        actors.add(Actor.ADMIN)
    if principal.user_id == order.buyer_id:
        actors.add(Actor.BUYER)
    if principal.user_id in order.seller_ids:
        actors.add(Actor.SELLER)
    return frozenset(actors)


async def create_order(
    deps: OrdersDeps,
    principal: Principal,
    items: Sequence[ItemRequest],
    shipping_address: str | None,
    idempotency_key: str | None = None,
) -> OrderRecord:
    """Accept an order: durable as PENDING with its processing task in one statement; published after.

    One round trip to the database for a new order (see :mod:`subgraphs.orders.service.accept`);
    a replay (the id exists) costs one more, to read the existing order and compare fingerprints.
    """
    valid = validate_order(items, shipping_address)
    key = validate_idempotency_key(idempotency_key)
    order_id = derive_order_id(principal.user_id, key)
    fingerprint = valid.fingerprint()
    engine = deps.writer()
    try:
        row = await insert_order(
            engine,
            order_id=order_id,
            buyer_id=principal.user_id,
            idempotency_key=key,
            fingerprint=fingerprint,
            order=valid,
            due_in=deps.publish_grace,
        )
        if row is None:
            return await _existing_order(engine, principal, order_id, fingerprint)
    except OutcomeUnknown as error:
        raise Unavailable(
            "the database is unreachable; whether the order was stored is unknown: "
            "send the same request with the same Idempotency-Key again",
            orderId=str(order_id),
        ) from error
    task = Task(int(row.task_id), order_id, TaskKind.PROCESS)
    if deps.dispatcher is not None:
        deps.dispatcher.submit(task)
    else:
        await publish_after_commit(deps.sessions, deps.publisher, [task], redeliver_after=deps.redeliver_after)
    return order_record(row)


async def _existing_order(
    engine: AsyncEngine, principal: Principal, order_id: uuid.UUID, fingerprint: str
) -> OrderRecord:
    # The insert found the id taken, and ON CONFLICT waited for the transaction that took it to
    # finish, so this new statement sees that order (or nothing, if it was never committed).
    row = await existing_order(engine, order_id)
    if row is None:
        raise Unavailable("the order is being written by a concurrent request; try again")
    if row.buyer_id != principal.user_id or row.request_hash != fingerprint:
        raise Conflict(
            "this idempotency key was already used for a different order; use a new key for a new order",
            orderId=str(order_id),
        )
    return order_record(row)


def can_view(principal: Principal, order: OrderRecord) -> bool:
    return bool(actors_of(principal, order))


async def view_order(deps: OrdersDeps, principal: Principal, order_id: uuid.UUID) -> OrderRecord | None:
    """The order for its buyer, a seller of one of its products, or an admin; ``None`` if unknown."""
    async with deps.sessions() as session:
        order = await get_order(session, order_id)
    if order is None:
        return None
    if not can_view(principal, order):
        raise Forbidden("only the buyer, a seller of its products or an admin may see this order")
    return order


async def orders_of_buyer(
    deps: OrdersDeps, principal: Principal, buyer_id: str, *, limit: int, offset: int
) -> OrderPage:
    if not principal.can_act_for(buyer_id):
        raise Forbidden("you may only list your own orders")
    if not 1 <= limit <= MAX_PAGE:
        raise BadUserInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if offset < 0:
        raise BadUserInput("offset must be 0 or more", field="offset")
    async with deps.sessions() as session:
        return await load_orders_of_buyer(session, buyer_id, limit=limit, offset=offset)


async def _load_for_change(deps: OrdersDeps, principal: Principal, order_id: uuid.UUID) -> OrderRecord:
    async with deps.sessions() as session:
        order = await get_order(session, order_id)
    if order is None:
        raise NotFound("no such order", id=str(order_id))
    if not can_view(principal, order):
        raise Forbidden("only the buyer, a seller of its products or an admin may change this order")
    return order


def _check_transition(order: OrderRecord, target: Status, actors: frozenset[Actor]) -> None:
    if target not in REQUESTABLE:
        raise BadUserInput(
            f"status {target.value} is set by order processing; callers may ask for "
            + ", ".join(sorted(s.value for s in REQUESTABLE)),
            field="status",
        )
    if target is order.status:
        raise Conflict(f"the order is already {target.value}")
    allowed = TRANSITIONS.get((order.status, target))
    if allowed is None:
        raise Conflict(f"an order that is {order.status.value} cannot become {target.value}")
    if not allowed & actors:
        who = "the buyer or an admin" if Actor.BUYER in allowed else "a seller of its products or an admin"
        raise Forbidden(f"only {who} may move an order to {target.value}")


async def update_order(
    deps: OrdersDeps,
    principal: Principal,
    order_id: uuid.UUID,
    *,
    shipping_address: str | None = None,
    status: Status | None = None,
    tracking: TrackingInfo | None = None,
) -> OrderRecord:
    if shipping_address is None and status is None and tracking is None:
        raise BadUserInput("give at least one of shippingAddress, status, tracking")
    order = await _load_for_change(deps, principal, order_id)
    actors = actors_of(principal, order)
    values: dict[str, Any] = {}
    events: list[tuple[Status, str]] = []
    target = status
    if target is not None:
        _check_transition(order, target, actors)
        values["status"] = target.value
    final = target or order.status
    if shipping_address is not None:
        address = validate_address(shipping_address)
        if not actors & {Actor.BUYER, Actor.ADMIN}:
            raise Forbidden("only the buyer or an admin may change the shipping address")
        if order.status not in ADDRESS_CHANGEABLE:
            raise Conflict(f"the shipping address cannot change once the order is {order.status.value}")
        values["shipping_address"] = address
        events.append((order.status, "shipping address changed"))
    if tracking is not None:
        if not actors & {Actor.SELLER, Actor.ADMIN}:
            raise Forbidden("only a seller of its products or an admin may set tracking")
        if final is not Status.SHIPPED:
            raise Conflict("tracking is given when the order ships (status SHIPPED)")
        checked = validate_tracking(tracking)
        values.update(
            carrier=checked.carrier,
            tracking_number=checked.tracking_number,
            tracking_url=checked.tracking_url,
            estimated_delivery=checked.estimated_delivery,
        )
        if target is None:
            events.append((order.status, f"tracking updated: {checked.carrier} {checked.tracking_number}"))
    if target is Status.SHIPPED and tracking is None and order.tracking is None:
        raise BadUserInput("tracking (carrier and trackingNumber) is required to ship an order", field="tracking")
    if target is not None:
        events.append((target, _describe(target, actors, values)))
    return await _apply(deps, order, values, events, cancel=target is Status.CANCELLED)


def _describe(target: Status, actors: frozenset[Actor], values: dict[str, Any]) -> str:
    if target is Status.CANCELLED:
        return "cancelled by the buyer" if Actor.BUYER in actors else "cancelled by an admin"
    if target is Status.SHIPPED and "carrier" in values:
        return f"shipped with {values['carrier']}, tracking number {values['tracking_number']}"
    return {Status.PAID: "payment received", Status.SHIPPED: "shipped", Status.DELIVERED: "delivered"}.get(
        target, target.value.lower()
    )


async def _apply(
    deps: OrdersDeps,
    order: OrderRecord,
    values: dict[str, Any],
    events: list[tuple[Status, str]],
    *,
    cancel: bool,
) -> OrderRecord:
    tasks: list[Task] = []
    async with deps.sessions.begin() as session:
        row = (
            await session.execute(
                update(orders_table)
                .where(orders_table.c.id == order.id, orders_table.c.status == order.status.value)
                .values(**values, updated_at=func.now())
                .returning(orders_table.c.id)
            )
        ).first()
        if row is None:
            current = await get_order(session, order.id)
            now = current.status.value if current else "gone"
            raise Conflict(f"the order changed while this request ran; it is now {now}", status=now)
        for status, description in events:
            await add_event(session, order.id, status, description)
        if cancel:
            tasks.append(await add_task(session, order.id, TaskKind.RELEASE, due_in=deps.publish_grace))
        changed = (await orders_by_ids(session, [order.id]))[order.id]
    await publish_after_commit(deps.sessions, deps.publisher, tasks, redeliver_after=deps.redeliver_after)
    return changed


async def delete_order(deps: OrdersDeps, principal: Principal, order_id: uuid.UUID) -> OrderRecord:
    """Cancel the order if it still can be, and hide it from the buyer's list. The row stays."""
    order = await _load_for_change(deps, principal, order_id)
    actors = actors_of(principal, order)
    if not actors & {Actor.BUYER, Actor.ADMIN}:
        raise Forbidden("only the buyer or an admin may delete an order")
    if order.status in CANCELLABLE:
        who = "the buyer" if Actor.BUYER in actors else "an admin"
        values = {"status": Status.CANCELLED.value, "hidden_from_buyer": True}
        return await _apply(deps, order, values, [(Status.CANCELLED, f"cancelled and deleted by {who}")], cancel=True)
    if order.status in TERMINAL:
        if order.hidden_from_buyer:
            return order
        return await _apply(deps, order, {"hidden_from_buyer": True}, [], cancel=False)
    raise Conflict(f"an order that is {order.status.value} cannot be deleted")
