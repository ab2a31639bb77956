"""The orders stack of one test: its own queue, the app over real HTTP, workers, and DB/broker probes."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pika
import redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from servicekit.internal import HEADER, mint_service_token
from subgraphs.orders.app import create_app
from subgraphs.orders.queue import build_broker, is_rabbitmq, queue_depth
from subgraphs.orders.runtime import StockFactory, http_stock_client
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.worker import OrderWorker
from tests.support.servers import serve_app
from tests.support.tokens import TestTokens

INTERNAL_SECRET = "orders-tests-internal-secret-0123456789abcdef"

CREATE = """
mutation Create($input: CreateOrderInput!, $key: String) {
  createOrder(input: $input, idempotencyKey: $key) { id status }
}
"""
UPDATE = """
mutation Update($id: ID!, $input: UpdateOrderInput!) {
  updateOrder(id: $id, input: $input) { id status shippingAddress tracking { carrier trackingNumber } }
}
"""
ORDER = """
query Order($id: ID!) {
  order(id: $id) {
    id status shippingAddress rejectionReason createdAt updatedAt
    buyer { id }
    total { amount currency }
    items { product { id } quantity unitPrice { amount currency } }
    tracking { carrier trackingNumber trackingUrl estimatedDelivery }
    events { status at description }
  }
}
"""


def order_input(items: list[tuple[str, int]], address: str = "1 Main Street, Springfield") -> dict[str, Any]:
    return {"items": [{"productId": p, "quantity": q} for p, q in items], "shippingAddress": address}


@dataclass
class OrdersStack:
    settings: OrdersSettings
    tokens: TestTokens
    engine: AsyncEngine
    url: str = ""
    client: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient(timeout=30))
    workers: list[OrderWorker] = field(default_factory=list)
    app: Starlette | None = None

    # --- GraphQL over HTTP -------------------------------------------------------------------
    async def gql(self, query: str, variables: dict[str, Any] | None = None, *, user: str | None = None,
                  role: str = "USER") -> dict[str, Any]:  # fmt: skip
        # like the router, which sends its service token with every subgraph call
        headers = {HEADER: mint_service_token(INTERNAL_SECRET, "router")}
        if user:
            headers.update(self.tokens.headers(user, role))
        response = await self.client.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def create(self, buyer: str, items: list[tuple[str, int]], key: str | None = None,
                     address: str = "1 Main Street, Springfield") -> dict[str, Any]:  # fmt: skip
        body = await self.gql(CREATE, {"input": order_input(items, address), "key": key}, user=buyer)
        assert "errors" not in body, body
        order: dict[str, Any] = body["data"]["createOrder"]
        return order

    async def update(self, order_id: str, changes: dict[str, Any], *, user: str, role: str = "USER") -> dict[str, Any]:
        return await self.gql(UPDATE, {"id": order_id, "input": changes}, user=user, role=role)

    async def order(self, order_id: str, *, user: str, role: str = "USER") -> dict[str, Any]:
        return await self.gql(ORDER, {"id": order_id}, user=user, role=role)

    # --- workers ------------------------------------------------------------------------------
    def start_worker(self, stock_factory: StockFactory = http_stock_client, **overrides: Any) -> OrderWorker:
        settings = self.settings.model_copy(update=overrides) if overrides else self.settings
        worker = OrderWorker(settings, stock_factory=stock_factory)
        worker.start()
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        while self.workers:
            self.workers.pop().stop()

    # --- probes -------------------------------------------------------------------------------
    async def rows(self, sql: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as connection:
            return list((await connection.execute(text(sql), params)).all())

    async def status(self, order_id: str) -> str:
        rows = await self.rows("SELECT status FROM orders.orders WHERE id = :id", id=uuid.UUID(order_id))
        return str(rows[0].status)

    async def wait_until(self, check: Callable[[], Awaitable[bool]], timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await check():
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:g}s waiting for {what or check}")

    async def wait_processed(self, order_ids: list[str], timeout: float = 60.0) -> dict[str, str]:
        ids = [uuid.UUID(order_id) for order_id in order_ids]

        async def done() -> bool:
            rows = await self.rows(
                "SELECT count(*) AS n FROM orders.orders WHERE id = ANY(:ids) AND status = 'PENDING'", ids=ids
            )
            return int(rows[0].n) == 0

        await self.wait_until(done, timeout, f"{len(ids)} orders to leave PENDING")
        rows = await self.rows("SELECT id, status FROM orders.orders WHERE id = ANY(:ids)", ids=ids)
        return {str(row.id): str(row.status) for row in rows}

    async def wait_dispatched(self, timeout: float = 30.0) -> None:
        """Wait until the app's background publisher has sent (or given up on) every accepted order's task."""
        assert self.app is not None
        dispatcher = self.app.state.orders.dispatcher

        async def idle() -> bool:
            return bool(dispatcher.idle)

        await self.wait_until(idle, timeout, "the app's publisher to be idle")

    async def wait_released(self, order_id: str, timeout: float = 30.0) -> None:
        async def released() -> bool:
            rows = await self.rows(
                "SELECT count(*) AS n FROM orders.outbox WHERE order_id = :id AND kind = 'release' AND done_at IS NULL",
                id=uuid.UUID(order_id),
            )
            return int(rows[0].n) == 0

        await self.wait_until(released, timeout, f"the release of {order_id}")

    def queue_depth(self) -> tuple[int, int, int]:
        broker = build_broker(self.settings)
        try:
            return queue_depth(broker, self.settings.queue_name)
        finally:
            broker.close()

    def backlog(self) -> int:
        """Messages of this queue not yet acknowledged (waiting, delayed or held by a worker)."""
        url = self.settings.effective_broker_url
        if is_rabbitmq(url):
            ready, delayed, _ = self.queue_depth()
            return ready + delayed
        client = redis.Redis.from_url(url)
        try:
            prefix = f"{self.settings.broker_namespace}:{self.settings.queue_name}"
            return int(client.hlen(f"{prefix}.msgs")) + int(client.hlen(f"{prefix}.DQ.msgs"))
        finally:
            client.close()

    def purge_broker(self) -> None:
        """Delete this stack's queues (RabbitMQ) or keys (Redis)."""
        url = self.settings.effective_broker_url
        name = self.settings.queue_name
        if is_rabbitmq(url):
            connection = pika.BlockingConnection(pika.URLParameters(url))
            try:
                channel = connection.channel()
                for queue in (name, f"{name}.DQ", f"{name}.XQ"):
                    channel.queue_delete(queue=queue)
            finally:
                connection.close()
            return
        client = redis.Redis.from_url(url)
        try:
            keys = list(client.scan_iter(match=f"{self.settings.broker_namespace}:{name}*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@contextlib.contextmanager
def running_stack(settings: OrdersSettings, tokens: TestTokens, engine: AsyncEngine) -> Iterator[OrdersStack]:
    stack = OrdersStack(settings, tokens, engine)
    try:
        stack.app = create_app(settings, verifier=tokens.verifier())
        with serve_app(stack.app) as url:
            stack.url = url
            yield stack
    finally:
        stack.stop_workers()
        with contextlib.suppress(Exception):
            stack.purge_broker()
