"""Mixed load through the edge (nginx, HTTPS): GraphQL and REST reads, logins and orders with an
Idempotency-Key; the client retries once on 502, 503, 504, no answer, or a GraphQL error UNAVAILABLE,
like a well-behaved client."""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import time
import uuid
from dataclasses import dataclass

import httpx

from tests.chaos.history import History, Operation

RETRY_STATUSES = frozenset({502, 503, 504})
PRODUCTS_QUERY = "{ products(limit: 5) { items { id name stock } } }"
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Buyer:
    user_id: str
    token: str


@dataclass(frozen=True)
class Catalogue:
    buyers: list[Buyer]
    product_ids: list[str]


def _unavailable(response: httpx.Response) -> bool:
    """A GraphQL response (200) with an UNAVAILABLE error: retried like a 503."""
    if not response.headers.get("content-type", "").startswith(("application/json", "application/graphql")):
        return False
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return False
    return any((error.get("extensions") or {}).get("code") == "UNAVAILABLE" for error in errors)


class Load:
    """Runs ``concurrency`` clients until stopped or ``max_requests`` is reached."""

    def __init__(
        self, base_url: str, cafile: str, catalogue: Catalogue, *, concurrency: int = 6, max_requests: int = 4000
    ) -> None:
        self.base_url = base_url
        self.trust = ssl.create_default_context(cafile=cafile)
        self.catalogue = catalogue
        self.concurrency = concurrency
        self.max_requests = max_requests
        self.history = History()
        self.stopping = asyncio.Event()
        self.random = random.Random(7)

    async def _send(self, client: httpx.AsyncClient, op: Operation, request: httpx.Request) -> httpx.Response | None:
        response: httpx.Response | None = None
        for attempt in (1, 2):
            op.attempts = attempt
            try:
                response = await client.send(request)
                op.status = response.status_code
                op.error = response.text[:300] if op.status >= 500 else ""
            except httpx.TransportError as error:
                response = None
                op.status = 0
                op.error = type(error).__name__
            if response is not None and op.status == 200 and _unavailable(response):
                op.status = 599  # a GraphQL answer whose data is missing for a retryable reason
            if attempt == 1:
                op.first_status, op.first_error = op.status, op.error
            if op.status not in RETRY_STATUSES and op.status not in (0, 599):
                break
            await asyncio.sleep(0.2)
        return response

    async def _one(self, client: httpx.AsyncClient) -> None:
        roll = self.random.random()
        buyer = self.random.choice(self.catalogue.buyers)
        auth = {"authorization": f"Bearer {buyer.token}"}
        if roll < 0.35:
            op = Operation("graphql-read", time.monotonic())
            request = client.build_request(
                "GET", "/graphql", params={"query": PRODUCTS_QUERY}, headers={"apollo-require-preflight": "true"}
            )
            response = await self._send(client, op, request)
            if response is not None and op.outcome == "ok" and "errors" in response.json():
                op.status, op.error = 598, str(response.json()["errors"])[:200]  # a read with errors failed
        elif roll < 0.65:
            op = Operation("rest-read", time.monotonic())
            product = self.random.choice(self.catalogue.product_ids)
            await self._send(client, op, client.build_request("GET", f"/products/{product}"))
        elif roll < 0.70:
            op = Operation("login", time.monotonic())
            request = client.build_request("POST", f"/users/{buyer.user_id}/auth", json={"password": PASSWORD})
            await self._send(client, op, request)
        else:
            product = self.random.choice(self.catalogue.product_ids)
            op = Operation("order", time.monotonic(), key=uuid.uuid4().hex, product_id=product, quantity=1)
            body = {"items": [{"productId": product, "quantity": 1}], "shippingAddress": "1 Chaos Street, Paris"}
            headers = {**auth, "idempotency-key": op.key or ""}
            response = await self._send(client, op, client.build_request("POST", "/orders", json=body, headers=headers))
            if response is not None and op.outcome == "ok":
                op.order_id = str(response.json()["id"])
        op.ended = time.monotonic()
        self.history.add(op)

    async def _client_loop(self) -> None:
        async with httpx.AsyncClient(base_url=self.base_url, verify=self.trust, timeout=15.0) as client:
            while not self.stopping.is_set() and self.history.requests < self.max_requests:
                await self._one(client)

    async def run(self, seconds: float) -> History:
        """Load for ``seconds`` (or until ``max_requests``); returns the history."""
        clients = [asyncio.create_task(self._client_loop()) for _ in range(self.concurrency)]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)
        self.stopping.set()
        await asyncio.gather(*clients)
        return self.history
