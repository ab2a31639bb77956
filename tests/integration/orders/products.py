"""The real products subgraph for the orders tests: create products over its GraphQL API and read
what its stock reservations did straight from its tables (test code only; services never do that)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.tokens import TestTokens

CREATE_PRODUCT = """
mutation Create($input: CreateProductInput!) { createProduct(input: $input) { id } }
"""


class Products:
    def __init__(self, url: str, tokens: TestTokens, engine: AsyncEngine) -> None:
        self.url = url
        self.tokens = tokens
        self.engine = engine

    async def add(self, *, stock: int, price: int = 1000, currency: str = "EUR", seller_id: str | None = None) -> str:
        seller = seller_id or str(uuid.uuid4())
        product_input = {
            "name": f"Product {uuid.uuid4().hex[:6]}",
            "description": "made for the orders tests",
            "category": "tests",
            "price": {"amount": price, "currency": currency},
            "stock": stock,
        }
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(
                f"{self.url}/graphql",
                json={"query": CREATE_PRODUCT, "variables": {"input": product_input}},
                headers=self.tokens.headers(seller),
            )
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return str(body["data"]["createProduct"]["id"])

    async def _scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as connection:
            return (await connection.execute(text(sql), params)).scalar()

    async def stock(self, product_id: str) -> int:
        return int(await self._scalar("SELECT stock FROM products.products WHERE id = :id", id=uuid.UUID(product_id)))

    async def taken(self, order_id: str) -> int:
        """How many reservations took stock for the order (0 or 1: the products side is idempotent;
        the tests also check the stock arithmetic, which would show a second taking)."""
        lines = await self._scalar(
            "SELECT count(*) FROM products.stock_reservations WHERE order_id = :id AND outcome = 'RESERVED'",
            id=uuid.UUID(order_id),
        )
        return 1 if int(lines or 0) > 0 else 0

    async def reservation_status(self, order_id: str) -> str | None:
        status = await self._scalar(
            "SELECT status FROM products.stock_reservation_orders WHERE order_id = :id", id=uuid.UUID(order_id)
        )
        return None if status is None else str(status)
