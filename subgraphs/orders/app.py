"""The orders subgraph's Starlette app (GraphQL at ``/graphql``, health, readiness, metrics)."""

from __future__ import annotations

import uuid
from typing import Any

from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request

from db.engine import close_engine, create_engine, session_factory
from servicekit.app import create_subgraph_app
from servicekit.auth import TokenVerifier
from servicekit.internal import internal_secret
from subgraphs.orders.changes import OrderChanges
from subgraphs.orders.context import OrdersContext, build_context
from subgraphs.orders.domain import OrderRecord
from subgraphs.orders.loaders import build_loaders
from subgraphs.orders.queue import BrokerPublisher, build_broker
from subgraphs.orders.schema import build_schema
from subgraphs.orders.service.accept import create_accept_engine
from subgraphs.orders.service.dispatch import TaskDispatcher
from subgraphs.orders.service.orders import OrdersDeps
from subgraphs.orders.service.outbox import Publisher
from subgraphs.orders.service.store import orders_by_ids
from subgraphs.orders.settings import OrdersSettings
from subgraphs.orders.status_metrics import OrdersByStatus
from subgraphs.orders.tokens import VerifiedTokens


class OrdersAppState:
    """The app's process-wide parts, created on startup (``app.state.orders``)."""

    engine: AsyncEngine | None = None
    accept_engine: AsyncEngine | None = None
    dispatcher: TaskDispatcher | None = None
    deps: OrdersDeps | None = None
    broker_publisher: BrokerPublisher | None = None
    changes: OrderChanges | None = None


def create_app(
    settings: OrdersSettings, *, verifier: TokenVerifier | None = None, publisher: Publisher | None = None
) -> Starlette:
    """The app; ``publisher`` replaces the broker publisher (the default sends to ``settings.broker_url``)."""
    database_url = settings.effective_database_url
    if database_url is None:
        raise ValueError("the orders subgraph needs a database URL (MARKETPLACE_DATABASE_URL)")
    if verifier is None:
        verifier = TokenVerifier(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            jwks_url=settings.effective_jwks_url,
            leeway_seconds=settings.jwt_leeway_seconds,
        )
    tokens = VerifiedTokens(verifier)
    state = OrdersAppState()

    async def startup() -> None:
        state.engine = create_engine(database_url, pool_size=settings.database_pool_size, pool_name="orders")
        chosen = publisher
        if chosen is None:
            state.broker_publisher = BrokerPublisher(build_broker(settings), settings.queue_name)
            chosen = state.broker_publisher
        state.accept_engine = create_accept_engine(database_url, pool_size=settings.accept_pool_size)
        state.dispatcher = TaskDispatcher(chosen, state.accept_engine, redeliver_after=settings.redeliver_after_seconds)
        state.dispatcher.start()
        state.deps = OrdersDeps(
            sessions=session_factory(state.engine),
            publisher=chosen,
            publish_grace=settings.publish_grace_seconds,
            redeliver_after=settings.redeliver_after_seconds,
            accept_engine=state.accept_engine,
            dispatcher=state.dispatcher,
        )
        sessions = state.deps.sessions

        async def load(order_ids: list[uuid.UUID]) -> dict[uuid.UUID, OrderRecord]:
            async with sessions() as session:
                return await orders_by_ids(session, order_ids)

        # One set of loaders per delivery: every subscriber of a burst of changes resolves its items
        # and events through the same loaders, so the burst costs a query per kind, not per subscriber.
        state.changes = OrderChanges(database_url, load, shared=lambda: build_loaders(sessions))
        state.changes.start()

    async def shutdown() -> None:
        if state.changes is not None:
            await state.changes.close()
        if state.dispatcher is not None:
            await state.dispatcher.close()
        if state.broker_publisher is not None:
            state.broker_publisher.close()
        for engine in (state.accept_engine, state.engine):
            if engine is not None:
                await close_engine(engine)

    async def database_ready() -> bool:
        if state.engine is None:
            return False
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    async def context_getter(request: Request, response: Any) -> OrdersContext:
        assert state.deps is not None
        return await build_context(request, response, tokens, state.deps, state.changes)

    app = create_subgraph_app(
        service="orders",
        schema=build_schema(
            mask_errors=settings.is_production,
            router_secret=internal_secret(settings.internal_secret, settings.data_dir),
        ),
        context_getter=context_getter,
        on_startup=[startup],
        on_shutdown=[shutdown],
        readiness_checks=[database_ready],
    )
    app.state.orders = state
    live = Gauge("orders_subscriptions_active", "Subscriptions following orders in this process",
                 registry=app.state.metrics.registry)  # fmt: skip
    live.set_function(lambda: state.changes.subscribers if state.changes is not None else 0)
    by_status = OrdersByStatus(
        app.state.metrics.registry,
        lambda: state.engine,
        refresh_seconds=settings.status_metrics_refresh_seconds,
        timeout_ms=settings.status_metrics_timeout_ms,
    )
    app.state.metrics.before_scrape.append(by_status.refresh)
    return app
