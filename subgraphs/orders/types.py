"""GraphQL types of the orders subgraph (Strawberry federation v2).

``Order`` is this subgraph's entity. ``User`` and ``Product`` are stubs of the other subgraphs'
entities: ``User`` contributes ``orders``; ``Product`` is only referenced by id. ``Money`` is the
same shareable value type the products subgraph defines.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import strawberry
from strawberry.types import Info

from subgraphs.orders import domain
from subgraphs.orders.context import OrdersContext
from subgraphs.orders.service.orders import can_view, orders_of_buyer
from subgraphs.orders.service.store import parse_order_id

OrderStatus = strawberry.federation.enum(domain.Status, name="OrderStatus", description="Where an order stands.")


@strawberry.federation.type(shareable=True, description="An amount in minor units (cents) of a currency.")
class Money:
    amount: int
    currency: str

    @classmethod
    def of(cls, money: domain.Money | None) -> Money | None:
        return None if money is None else cls(amount=money.amount, currency=money.currency)


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Product:
        return cls(id=id)


@strawberry.type
class OrderItem:
    # Nullable: an order is accepted before its products are checked (the worker rejects it when one
    # does not exist), and a product that does not exist cannot be resolved by the products subgraph.
    product: Product | None = strawberry.field(description="null when no such product exists (the order is rejected)")
    quantity: int
    unit_price: Money | None = strawberry.field(description="set once the order is priced (CONFIRMED)")


@strawberry.type
class Tracking:
    carrier: str
    tracking_number: str
    tracking_url: str | None
    estimated_delivery: datetime | None


@strawberry.type(description="One step of an order's timeline.")
class OrderEvent:
    status: OrderStatus  # type: ignore[valid-type]
    at: datetime
    description: str


@strawberry.federation.type(keys=["id"])
class Order:
    id: strawberry.ID
    status: OrderStatus  # type: ignore[valid-type]
    shipping_address: str
    total: Money | None = strawberry.field(description="set once the order is priced (CONFIRMED)")
    rejection_reason: str | None = strawberry.field(description="OUT_OF_STOCK, UNKNOWN_PRODUCT... when REJECTED")
    tracking: Tracking | None
    created_at: datetime
    updated_at: datetime
    buyer_id: strawberry.Private[str]

    @classmethod
    def of(cls, record: domain.OrderRecord) -> Order:
        tracking = None
        if record.tracking is not None:
            tracking = Tracking(
                carrier=record.tracking.carrier,
                tracking_number=record.tracking.tracking_number,
                tracking_url=record.tracking.tracking_url,
                estimated_delivery=record.tracking.estimated_delivery,
            )
        return cls(
            id=strawberry.ID(str(record.id)),
            status=record.status,
            shipping_address=record.shipping_address,
            total=Money.of(record.total),
            rejection_reason=record.rejection_reason,
            tracking=tracking,
            created_at=record.created_at,
            updated_at=record.updated_at,
            buyer_id=record.buyer_id,
        )

    @strawberry.field
    def buyer(self) -> User:
        return User(id=strawberry.ID(self.buyer_id))

    @strawberry.field
    async def items(self, info: Info[OrdersContext, None]) -> list[OrderItem]:
        records = await info.context.order_loaders.items.load(uuid.UUID(self.id))
        return [
            OrderItem(
                product=Product(id=strawberry.ID(item.product_id)),
                quantity=item.quantity,
                unit_price=Money.of(item.unit_price),
            )
            for item in records
        ]

    @strawberry.field
    async def events(self, info: Info[OrdersContext, None]) -> list[OrderEvent]:
        records = await info.context.order_loaders.events.load(uuid.UUID(self.id))
        return [OrderEvent(status=event.status, at=event.at, description=event.description) for event in records]

    @classmethod
    async def resolve_reference(cls, info: Info[OrdersContext, None], id: strawberry.ID) -> Order | None:
        order_id = parse_order_id(id)
        if order_id is None:
            return None
        record = await info.context.order_loaders.orders.load(order_id)
        if record is None or not can_view(info.context.require_principal(), record):
            return None
        return cls.of(record)


@strawberry.type
class OrderPage:
    items: list[Order]
    total_count: int
    limit: int
    offset: int
    has_next_page: bool


async def user_orders(root: User, info: Info[OrdersContext, None], limit: int = 20, offset: int = 0) -> OrderPage:
    context = info.context
    page = await orders_of_buyer(context.orders, context.require_principal(), root.id, limit=limit, offset=offset)
    return OrderPage(
        items=[Order.of(record) for record in page.items],
        total_count=page.total_count,
        limit=page.limit,
        offset=page.offset,
        has_next_page=page.has_next_page,
    )


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return cls(id=id)

    orders: OrderPage = strawberry.field(
        resolver=user_orders,
        description="The user's orders, newest first; only for the user or an admin.",
    )


@strawberry.input
class OrderItemInput:
    product_id: strawberry.ID
    quantity: int


@strawberry.input
class CreateOrderInput:
    items: list[OrderItemInput]
    shipping_address: str


@strawberry.input
class TrackingInput:
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    estimated_delivery: datetime | None = None


@strawberry.input
class UpdateOrderInput:
    shipping_address: str | None = None
    status: OrderStatus | None = None  # type: ignore[valid-type]
    tracking: TrackingInput | None = None
