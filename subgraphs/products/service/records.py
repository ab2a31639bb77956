"""Plain data passed between the service layer and the GraphQL layer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from subgraphs.products.money import Price


@dataclass(frozen=True)
class ProductRecord:
    id: uuid.UUID
    seller_id: uuid.UUID
    name: str
    description: str
    category: str
    price: Price
    stock: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> ProductRecord:
        return cls(
            id=row.id,
            seller_id=row.seller_id,
            name=row.name,
            description=row.description,
            category=row.category,
            price=Price(amount=int(row.price_amount), currency=row.price_currency),
            stock=row.stock,
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )


@dataclass(frozen=True)
class Page:
    items: list[ProductRecord]
    total_count: int
    limit: int
    offset: int

    @property
    def has_next_page(self) -> bool:
        return self.offset + len(self.items) < self.total_count


@dataclass(frozen=True)
class ProductFilter:
    q: str | None = None
    category: str | None = None
    seller_id: uuid.UUID | None = None
    min_price: int | None = None
    max_price: int | None = None
    currency: str | None = None
    in_stock: bool | None = None


@dataclass(frozen=True)
class NewProduct:
    name: str
    description: str
    category: str
    price: Price
    stock: int


@dataclass(frozen=True)
class ProductChanges:
    """Fields to change; ``None`` leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    category: str | None = None
    price: Price | None = None
    stock: int | None = None

    @property
    def empty(self) -> bool:
        return all(value is None for value in vars(self).values())


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"
    REJECTED = "REJECTED"
    RELEASED = "RELEASED"


class LineOutcome(StrEnum):
    RESERVED = "RESERVED"
    REJECTED = "REJECTED"
    NOT_RESERVED = "NOT_RESERVED"  # fine on its own, but another line rejected the order


class RejectionReason(StrEnum):
    OUT_OF_STOCK = "OUT_OF_STOCK"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"


@dataclass(frozen=True)
class RequestedLine:
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True)
class ReservationLine:
    product_id: uuid.UUID
    quantity: int
    outcome: LineOutcome
    reason: RejectionReason | None = None
    product_name: str | None = None
    seller_id: uuid.UUID | None = None
    unit_price: Price | None = None
    available: int | None = None


@dataclass(frozen=True)
class Reservation:
    """The outcome of reserving (or releasing) one order's stock.

    ``replayed`` is true when the order had been handled before and this call changed nothing.
    """

    order_id: uuid.UUID
    status: ReservationStatus
    lines: list[ReservationLine]
    replayed: bool
    stock_restored: bool = False
