"""The order's vocabulary: statuses, who may move an order where, and the records the service returns.

Pure data and rules, no I/O: the state machine is a table (``TRANSITIONS``) so that the service,
the docs and the tests read the same thing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"
    REJECTED = "REJECTED"
    PAID = "PAID"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class Actor(StrEnum):
    """Who asks for a change: the order's buyer, a seller of one of its products, or an admin."""

    BUYER = "buyer"
    SELLER = "seller"
    ADMIN = "admin"


# (from, to) -> who may make that move through updateOrder. The worker's own moves
# (PENDING -> CONFIRMED / REJECTED / FAILED) are not here: no caller may make them.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    (Status.PENDING, Status.CANCELLED): frozenset({Actor.BUYER, Actor.ADMIN}),
    (Status.CONFIRMED, Status.CANCELLED): frozenset({Actor.BUYER, Actor.ADMIN}),
    (Status.PAID, Status.CANCELLED): frozenset({Actor.BUYER, Actor.ADMIN}),
    (Status.CONFIRMED, Status.PAID): frozenset({Actor.SELLER, Actor.ADMIN}),
    (Status.PAID, Status.SHIPPED): frozenset({Actor.SELLER, Actor.ADMIN}),
    (Status.SHIPPED, Status.DELIVERED): frozenset({Actor.SELLER, Actor.ADMIN}),
}

# Statuses a caller may ask for; the others are reached only through the worker.
REQUESTABLE = frozenset(to for _, to in TRANSITIONS)
# Before shipping the buyer may still change the address (and cancel).
ADDRESS_CHANGEABLE = frozenset({Status.PENDING, Status.CONFIRMED, Status.PAID})
CANCELLABLE = frozenset(frm for frm, to in TRANSITIONS if to is Status.CANCELLED)
TERMINAL = frozenset({Status.REJECTED, Status.DELIVERED, Status.CANCELLED, Status.FAILED})

MAX_ITEMS = 50
MAX_QUANTITY = 1000
MAX_ADDRESS_LENGTH = 1000
MAX_KEY_LENGTH = 200
MAX_PRODUCT_ID_LENGTH = 100


@dataclass(frozen=True)
class Money:
    amount: int
    currency: str


@dataclass(frozen=True)
class ItemRequest:
    product_id: str
    quantity: int


@dataclass(frozen=True)
class TrackingInfo:
    carrier: str
    tracking_number: str
    tracking_url: str | None = None
    estimated_delivery: datetime | None = None


@dataclass(frozen=True)
class OrderItemRecord:
    product_id: str
    quantity: int
    unit_price: Money | None
    seller_id: str | None
    product_name: str | None


@dataclass(frozen=True)
class EventRecord:
    status: Status
    at: datetime
    description: str


@dataclass(frozen=True)
class OrderRecord:
    id: uuid.UUID
    buyer_id: str
    status: Status
    shipping_address: str
    total: Money | None
    rejection_reason: str | None
    failure_reason: str | None
    tracking: TrackingInfo | None
    hidden_from_buyer: bool
    created_at: datetime
    updated_at: datetime
    seller_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class OrderPage:
    items: list[OrderRecord]
    total_count: int
    limit: int
    offset: int

    @property
    def has_next_page(self) -> bool:
        return self.offset + len(self.items) < self.total_count
