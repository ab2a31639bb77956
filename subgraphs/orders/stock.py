"""Reserving and releasing stock through the products subgraph's internal operations.

``reserveStock(orderId, items)`` and ``releaseStock(orderId)`` are GraphQL mutations of the products
subgraph itself (not the router), callable only with an internal service token. Both are idempotent
per order on the products side: a second reserve replays the first outcome, a release after a
release does nothing. The worker depends on the :class:`StockClient` protocol only.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from servicekit.internal import HEADER, mint_service_token
from subgraphs.orders.domain import ItemRequest, Money

REJECTION_REASONS = ("OUT_OF_STOCK", "UNKNOWN_PRODUCT")


class StockUnavailable(Exception):
    """The products service could not answer (network, 5xx, GraphQL error): worth a retry."""


@dataclass(frozen=True)
class StockLine:
    product_id: str
    unit_price: Money | None
    seller_id: str | None
    product_name: str | None
    rejection: str | None = None


@dataclass(frozen=True)
class Reservation:
    status: str
    lines: tuple[StockLine, ...]

    @property
    def rejected(self) -> list[StockLine]:
        return [line for line in self.lines if line.rejection]


class StockClient(Protocol):
    async def reserve(self, order_id: uuid.UUID, items: Sequence[ItemRequest]) -> Reservation: ...

    async def release(self, order_id: uuid.UUID) -> None: ...

    async def aclose(self) -> None: ...


RESERVE = """
mutation ReserveStock($orderId: ID!, $items: [StockReservationItemInput!]!) {
  reserveStock(orderId: $orderId, items: $items) {
    orderId
    status
    items { productId quantity outcome reason productName sellerId unitPrice { amount currency } }
  }
}
"""

RELEASE = """
mutation ReleaseStock($orderId: ID!) {
  releaseStock(orderId: $orderId) { orderId status }
}
"""


def parse_reservation(data: dict[str, Any]) -> Reservation:
    """The products subgraph's ``StockReservation``: all lines RESERVED, or REJECTED ones (with a reason)
    beside NOT_RESERVED ones; a RELEASED reservation means the order was cancelled meanwhile."""
    status = str(data.get("status"))
    if status not in ("RESERVED", "REJECTED"):
        raise StockUnavailable(f"reserveStock answered {status}: the reservation was released")
    lines = []
    for item in data.get("items") or []:
        price = item.get("unitPrice")
        rejected = item.get("outcome") == "REJECTED"
        lines.append(
            StockLine(
                product_id=str(item["productId"]),
                unit_price=Money(int(price["amount"]), str(price["currency"])) if price else None,
                seller_id=str(item["sellerId"]) if item.get("sellerId") is not None else None,
                product_name=item.get("productName"),
                rejection=(item.get("reason") or "OUT_OF_STOCK") if rejected else None,
            )
        )
    reservation = Reservation(status, tuple(lines))
    if status == "REJECTED" and not reservation.rejected:
        raise StockUnavailable("reserveStock answered REJECTED without a rejected line")
    return reservation


class HttpStockClient:
    """Calls the products subgraph's ``/graphql`` over pooled keep-alive HTTP."""

    def __init__(self, products_url: str, secret: str, *, timeout: float = 10.0) -> None:
        self.url = products_url.rstrip("/") + "/graphql"
        self.secret = secret
        self._client = httpx.AsyncClient(timeout=timeout)
        self._token = ""
        self._token_expires = 0.0

    def _service_token(self) -> str:
        now = time.monotonic()
        if now >= self._token_expires:
            self._token = mint_service_token(self.secret, "orders", ttl_seconds=60)
            self._token_expires = now + 30
        return self._token

    async def _call(self, query: str, variables: dict[str, Any], field: str) -> dict[str, Any]:
        try:
            response = await self._client.post(
                self.url,
                json={"query": query, "variables": variables},
                headers={HEADER: self._service_token()},
            )
        except httpx.HTTPError as error:
            raise StockUnavailable(f"products service unreachable: {error!r}") from None
        if response.status_code >= 500:
            raise StockUnavailable(f"products service answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise StockUnavailable(f"products service answered {response.status_code} without JSON") from None
        if body.get("errors"):
            messages = "; ".join(str(error.get("message")) for error in body["errors"])
            raise StockUnavailable(f"{field} failed: {messages}")
        result = (body.get("data") or {}).get(field)
        if not isinstance(result, dict):
            raise StockUnavailable(f"{field} returned no result")
        return result

    async def reserve(self, order_id: uuid.UUID, items: Sequence[ItemRequest]) -> Reservation:
        variables = {
            "orderId": str(order_id),
            "items": [{"productId": item.product_id, "quantity": item.quantity} for item in items],
        }
        return parse_reservation(await self._call(RESERVE, variables, "reserveStock"))

    async def release(self, order_id: uuid.UUID) -> None:
        await self._call(RELEASE, {"orderId": str(order_id)}, "releaseStock")

    async def aclose(self) -> None:
        await self._client.aclose()
