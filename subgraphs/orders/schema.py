"""Query and mutations of the orders subgraph, and its federation v2 schema."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

import strawberry
from strawberry.extensions import ParserCache, SchemaExtension, ValidationCache
from strawberry.types import Info

from servicekit.errors import NotFound
from servicekit.graphql_errors import error_codes_extension
from servicekit.router_only import router_only_extension
from subgraphs.orders import domain
from subgraphs.orders.context import OrdersContext
from subgraphs.orders.service import orders as service
from subgraphs.orders.service.store import parse_order_id
from subgraphs.orders.subscription import Subscription
from subgraphs.orders.types import (
    CreateOrderInput,
    Order,
    Product,
    UpdateOrderInput,
    User,
)


def _order_id(id: strawberry.ID) -> uuid.UUID:
    order_id = parse_order_id(id)
    if order_id is None:
        raise NotFound("no such order", id=str(id))
    return order_id


async def resolve_order(info: Info[OrdersContext, None], id: strawberry.ID) -> Order | None:
    order_id = parse_order_id(id)
    principal = info.context.require_principal()
    if order_id is None:
        return None
    record = await service.view_order(info.context.orders, principal, order_id)
    return None if record is None else Order.of(record)


async def create_order(
    info: Info[OrdersContext, None], input: CreateOrderInput, idempotency_key: str | None = None
) -> Order:
    principal = info.context.require_principal()
    items = [domain.ItemRequest(str(item.product_id), item.quantity) for item in input.items]
    record = await service.create_order(info.context.orders, principal, items, input.shipping_address, idempotency_key)
    return Order.of(record)


async def update_order(info: Info[OrdersContext, None], id: strawberry.ID, input: UpdateOrderInput) -> Order:
    principal = info.context.require_principal()
    tracking = None
    if input.tracking is not None:
        tracking = domain.TrackingInfo(
            input.tracking.carrier,
            input.tracking.tracking_number,
            input.tracking.tracking_url,
            input.tracking.estimated_delivery,
        )
    record = await service.update_order(
        info.context.orders,
        principal,
        _order_id(id),
        shipping_address=input.shipping_address,
        status=domain.Status(input.status) if input.status is not None else None,
        tracking=tracking,
    )
    return Order.of(record)


async def delete_order(info: Info[OrdersContext, None], id: strawberry.ID) -> Order:
    principal = info.context.require_principal()
    return Order.of(await service.delete_order(info.context.orders, principal, _order_id(id)))


@strawberry.type
class Query:
    order: Order | None = strawberry.field(
        resolver=resolve_order, description="An order, for its buyer, a seller of one of its products, or an admin."
    )


@strawberry.type
class Mutation:
    create_order: Order = strawberry.mutation(
        resolver=create_order,
        description="Submit an order; it is returned at once as PENDING and processed in the background. "
        "The same idempotencyKey with the same input returns the same order.",
    )
    update_order: Order = strawberry.mutation(
        resolver=update_order, description="Change the address, cancel, or move the order along its lifecycle."
    )
    delete_order: Order = strawberry.mutation(
        resolver=delete_order, description="Cancel the order and hide it from the buyer's list; it is never erased."
    )


def build_schema(*, mask_errors: bool, router_secret: str | None = None) -> strawberry.federation.Schema:
    """The orders schema; with ``router_secret``, ``_entities``/``_service`` answer only the router."""
    # Clients send the same few operations over and over: parse and validate each text once.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        error_codes_extension(mask=mask_errors),
        functools.partial(ParserCache, maxsize=256),
        functools.partial(ValidationCache, maxsize=256),
    ]
    if router_secret is not None:
        extensions.append(router_only_extension(router_secret))
    return strawberry.federation.Schema(
        query=Query, mutation=Mutation, subscription=Subscription, types=[User, Product, Order], extensions=extensions
    )


schema = build_schema(mask_errors=False)
