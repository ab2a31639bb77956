"""GraphQL types of the internal stock operations, all ``@inaccessible``: the router composes them
out of the public API, and the operations also demand a service token (see docs/products.md)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import federation

from subgraphs.products.service.records import Reservation, ReservationLine
from subgraphs.products.types import Money


@federation.enum(inaccessible=True)
class StockReservationStatus(Enum):
    RESERVED = "RESERVED"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"


@federation.enum(inaccessible=True)
class StockLineOutcome(Enum):
    RESERVED = "RESERVED"
    REJECTED = "REJECTED"
    NOT_RESERVED = "NOT_RESERVED"


@federation.enum(inaccessible=True)
class StockRejectionReason(Enum):
    OUT_OF_STOCK = "OUT_OF_STOCK"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"


@federation.input(inaccessible=True)
class StockReservationItemInput:
    product_id: strawberry.ID
    quantity: int


@federation.type(inaccessible=True, description="One line of an order, as reserved (or not).")
class StockReservationLine:
    product_id: strawberry.ID
    quantity: int
    outcome: StockLineOutcome
    reason: StockRejectionReason | None = strawberry.field(description="why the line was rejected")
    product_name: str | None = strawberry.field(description="the product's name at reservation time")
    seller_id: strawberry.ID | None
    unit_price: Money | None = strawberry.field(description="the product's price at reservation time")
    available: int | None = strawberry.field(description="the stock left when the line was rejected for lack of it")

    @classmethod
    def from_line(cls, line: ReservationLine) -> StockReservationLine:
        return cls(
            product_id=strawberry.ID(str(line.product_id)),
            quantity=line.quantity,
            outcome=StockLineOutcome(line.outcome.value),
            reason=StockRejectionReason(line.reason.value) if line.reason else None,
            product_name=line.product_name,
            seller_id=strawberry.ID(str(line.seller_id)) if line.seller_id else None,
            unit_price=Money.from_price(line.unit_price) if line.unit_price else None,
            available=line.available,
        )


@federation.type(inaccessible=True, description="The reservation state of one order's stock.")
class StockReservation:
    order_id: strawberry.ID
    status: StockReservationStatus
    items: list[StockReservationLine]
    replayed: bool = strawberry.field(description="true when the order was handled before and nothing changed now")
    stock_restored: bool = strawberry.field(description="true when this call gave reserved stock back")

    @classmethod
    def from_reservation(cls, reservation: Reservation) -> StockReservation:
        return cls(
            order_id=strawberry.ID(str(reservation.order_id)),
            status=StockReservationStatus(reservation.status.value),
            items=[StockReservationLine.from_line(line) for line in reservation.lines],
            replayed=reservation.replayed,
            stock_restored=reservation.stock_restored,
        )
