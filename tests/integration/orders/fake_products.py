"""A stand-in for the products subgraph's internal stock operations, served over real HTTP.

It implements the documented contract (``reserveStock``/``releaseStock`` GraphQL mutations that
demand an ``orders`` service token, all-or-nothing reservation, idempotent per order, a release
before a reserve leaves a RELEASED marker) on in-memory state, and counts what happened so the
tests can assert "exactly one reservation". Mutations run on the server's single event loop
without awaiting, so each is atomic.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.types import Info

from subgraphs.common.internal import HEADER, verify_service_token


@dataclass
class FakeProduct:
    id: str
    name: str
    price: int
    currency: str
    seller_id: str
    stock: int


@dataclass
class FakeProducts:
    secret: str
    products: dict[str, FakeProduct] = field(default_factory=dict)
    reservations: dict[str, dict[str, Any]] = field(default_factory=dict)
    taken: Counter[str] = field(default_factory=Counter)  # times stock was taken for an order
    restored: Counter[str] = field(default_factory=Counter)  # times stock was given back
    reserve_calls: Counter[str] = field(default_factory=Counter)

    def add(self, *, stock: int, price: int = 1000, currency: str = "EUR", seller_id: str | None = None) -> str:
        product_id = str(uuid.uuid4())
        self.products[product_id] = FakeProduct(
            product_id, f"product {product_id[:8]}", price, currency, seller_id or str(uuid.uuid4()), stock
        )
        return product_id

    def stock(self, product_id: str) -> int:
        return self.products[product_id].stock

    def reserve(self, order_id: str, items: list[tuple[str, int]]) -> dict[str, Any]:
        self.reserve_calls[order_id] += 1
        if order_id in self.reservations:
            return self.reservations[order_id]
        lines = []
        for product_id, quantity in items:
            product = self.products.get(product_id)
            line: dict[str, Any] = {"productId": product_id, "quantity": quantity, "outcome": "RESERVED"}
            if product is None:
                line.update(outcome="REJECTED", reason="UNKNOWN_PRODUCT")
            elif product.stock < quantity:
                line.update(outcome="REJECTED", reason="OUT_OF_STOCK")
            if product is not None:
                line.update(
                    productName=product.name,
                    sellerId=product.seller_id,
                    unitPrice={"amount": product.price, "currency": product.currency},
                )
            lines.append(line)
        rejected = any(line["outcome"] == "REJECTED" for line in lines)
        if rejected:
            for line in lines:
                if line["outcome"] == "RESERVED":
                    line["outcome"] = "NOT_RESERVED"
        else:
            for product_id, quantity in items:
                self.products[product_id].stock -= quantity
            self.taken[order_id] += 1
        result = {"orderId": order_id, "status": "REJECTED" if rejected else "RESERVED", "items": lines}
        self.reservations[order_id] = result
        return result

    def release(self, order_id: str) -> dict[str, Any]:
        found = self.reservations.get(order_id)
        if found is None:
            found = self.reservations[order_id] = {"orderId": order_id, "status": "RELEASED", "items": []}
        elif found["status"] == "RESERVED":
            for line in found["items"]:
                self.products[line["productId"]].stock += line["quantity"]
            self.restored[order_id] += 1
            found["status"] = "RELEASED"
        elif found["status"] == "REJECTED":
            found["status"] = "RELEASED"
        return found


@strawberry.type
class FakeMoney:
    amount: int
    currency: str


@strawberry.type
class StockReservationLine:
    product_id: strawberry.ID
    quantity: int
    outcome: str
    reason: str | None = None
    product_name: str | None = None
    seller_id: strawberry.ID | None = None
    unit_price: FakeMoney | None = None


@strawberry.type
class StockReservation:
    order_id: strawberry.ID
    status: str
    items: list[StockReservationLine]


@strawberry.input
class StockReservationItemInput:
    product_id: strawberry.ID
    quantity: int


def _reservation(data: dict[str, Any]) -> StockReservation:
    lines = []
    for line in data["items"]:
        price = line.get("unitPrice")
        lines.append(
            StockReservationLine(
                product_id=line["productId"],
                quantity=line["quantity"],
                outcome=line["outcome"],
                reason=line.get("reason"),
                product_name=line.get("productName"),
                seller_id=line.get("sellerId"),
                unit_price=FakeMoney(amount=price["amount"], currency=price["currency"]) if price else None,
            )
        )
    return StockReservation(order_id=data["orderId"], status=data["status"], items=lines)


def _state(info: Info[dict[str, Any], None]) -> FakeProducts:
    state: FakeProducts = info.context["state"]
    verify_service_token(info.context["request"].headers.get(HEADER), state.secret, allowed=frozenset({"orders"}))
    return state


@strawberry.type
class Query:
    ping: bool = True


@strawberry.type
class Mutation:
    @strawberry.mutation
    def reserve_stock(
        self, info: Info[dict[str, Any], None], order_id: strawberry.ID, items: list[StockReservationItemInput]
    ) -> StockReservation:
        state = _state(info)
        return _reservation(state.reserve(str(order_id), [(str(i.product_id), i.quantity) for i in items]))

    @strawberry.mutation
    def release_stock(self, info: Info[dict[str, Any], None], order_id: strawberry.ID) -> StockReservation:
        return _reservation(_state(info).release(str(order_id)))


def fake_products_app(state: FakeProducts) -> Starlette:
    class App(GraphQL[dict[str, Any], None]):
        async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
            return {"request": request, "response": response, "state": state}

    graphql = App(strawberry.Schema(query=Query, mutation=Mutation))
    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
