"""The real platform in process for the real-time tests: users, products, TWO orders instances, a worker, a router.

Every part is the real app on real HTTP/WebSocket servers over the session's PostgreSQL; the
router's supergraph names orders instance one, and tests change orders through instance two or the
worker to check that a change made anywhere reaches a subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from router.compose import SubgraphInput, compose_or_raise
from router.rest.declarations import DEFAULT_DIRECTORY
from router.server.app import HTTP_PROTOCOL, RouterOptions, create_router_app
from router.server.auth import RouterAuthenticator
from router.server.config import parse_router_config
from router.server.reload import FileSource
from subgraphs.orders.app import create_app as create_orders_app
from subgraphs.orders.schema import schema as orders_schema
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.worker import OrderWorker
from subgraphs.products.schema import schema as products_schema
from subgraphs.users.app import create_app as create_users_app
from subgraphs.users.schema import schema as users_schema
from subgraphs.users.settings import UsersSettings
from tests.integration.orders.harness import INTERNAL_SECRET
from tests.support.recording import RecordingApp
from tests.support.servers import serve_app
from tests.support.tokens import TestTokens

CREATE_USER = "mutation($input: CreateUserInput!) { createUser(input: $input) { id name } }"
CREATE_ORDER = """
mutation($input: CreateOrderInput!) { createOrder(input: $input) { id status } }
"""
UPDATE_ORDER = """
mutation($id: ID!, $input: UpdateOrderInput!) { updateOrder(id: $id, input: $input) { id status } }
"""


@dataclass
class Platform:
    tokens: TestTokens
    orders_settings: OrdersSettings
    router_url: str
    orders_urls: list[str]
    supergraph: Path
    router_app: Any
    orders_apps: list[Any] = field(default_factory=list)
    workers: list[OrderWorker] = field(default_factory=list)
    # what the users subgraph and orders instance one (the router's) received
    received: dict[str, RecordingApp] = field(default_factory=dict)

    async def followed(self, order_id: str, timeout: float = 20) -> None:
        """Wait until an orders instance's hub has a subscriber of ``order_id`` (the stream is live end to end)."""
        wanted = uuid.UUID(order_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(wanted in app.state.orders.changes._by_order for app in self.orders_apps):
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"no orders instance follows {order_id}")

    def diagnosis(self) -> str:
        """What each orders instance's hub and the router's subscriptions hold: shown when an event never came."""
        hubs = [
            f"orders-{n}: listening={app.state.orders.changes.connected.is_set()} "
            f"notifications={app.state.orders.changes.notifications} subscribers={app.state.orders.changes.subscribers}"
            for n, app in enumerate(self.orders_apps, start=1)
        ]
        metrics = httpx.get(f"{self.router_url}/metrics").text
        router = [line for line in metrics.splitlines() if line.startswith("router_subscription")]
        return "\n".join([*hubs, *router])

    def headers(self, user: str, role: str = "USER", ttl: int = 900) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens.token(user, role, ttl)}"}

    def gql(self, url: str, query: str, variables: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def create_user(self, name: str) -> str:
        email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        variables = {"input": {"email": email, "name": name, "password": "correct horse battery staple"}}
        body = self.gql(self.router_url, CREATE_USER, variables, {})
        assert "errors" not in body, body
        return str(body["data"]["createUser"]["id"])

    def create_order(self, buyer: str, product: str, *, via: str | None = None) -> str:
        variables = {"input": {"items": [{"productId": product, "quantity": 1}], "shippingAddress": "1 Main St"}}
        body = self.gql(via or self.router_url, CREATE_ORDER, variables, self.headers(buyer))
        assert "errors" not in body, body
        return str(body["data"]["createOrder"]["id"])

    def update_order(self, order_id: str, user: str, changes: dict[str, Any], *, via: str | None = None) -> None:
        """A change through orders instance two by default (not the one the router subscribes on)."""
        body = self.gql(
            via or self.orders_urls[1], UPDATE_ORDER, {"id": order_id, "input": changes}, self.headers(user)
        )
        assert "errors" not in body, body

    def start_worker(self) -> None:
        worker = OrderWorker(self.orders_settings)
        worker.start()
        self.workers.append(worker)


def compose(urls: dict[str, str]) -> str:
    schemas = {"users": users_schema, "products": products_schema, "orders": orders_schema}
    return compose_or_raise(
        [SubgraphInput(name=name, url=f"{urls[name]}/graphql", sdl=schemas[name].as_str()) for name in schemas]
    )


@contextlib.contextmanager
def running_platform(
    *,
    database_url: str,
    data_dir: Path,
    tokens: TestTokens,
    orders_settings: OrdersSettings,
    products_url: str,
    router_config: dict[str, Any] | None = None,
) -> Iterator[Platform]:
    users_settings = UsersSettings(
        database_url=database_url,
        data_dir=data_dir,
        internal_secret=INTERNAL_SECRET,
        login_max_failures_per_address=10_000,
    )
    with contextlib.ExitStack() as stack:
        users = RecordingApp(create_users_app(users_settings, key_ring=tokens.ring))
        users_url = stack.enter_context(serve_app(users))
        orders_apps = [create_orders_app(orders_settings, verifier=tokens.verifier()) for _ in range(2)]
        orders = RecordingApp(orders_apps[0])
        orders_urls = [stack.enter_context(serve_app(app)) for app in (orders, orders_apps[1])]
        supergraph = data_dir / f"supergraph-{uuid.uuid4().hex[:8]}.graphql"
        supergraph.write_text(compose({"users": users_url, "products": products_url, "orders": orders_urls[0]}))
        options = RouterOptions(
            authenticator=RouterAuthenticator.with_verifiers([tokens.verifier()]),
            internal_secret=INTERNAL_SECRET,
            reload_interval=0.2,
            rest_declarations=DEFAULT_DIRECTORY,
        )
        app = create_router_app(FileSource(supergraph), parse_router_config(router_config or {}), options)
        router_url = stack.enter_context(serve_app(app, http=HTTP_PROTOCOL))
        platform = Platform(tokens, orders_settings, router_url.rstrip("/"), orders_urls, supergraph, app, orders_apps)
        platform.received = {"users": users, "orders": orders}
        try:
            yield platform
        finally:
            for worker in platform.workers:
                worker.stop()
