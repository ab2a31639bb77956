"""The products subgraph as a Starlette app (GraphQL at ``/graphql``, health, readiness, metrics)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request

from db.engine import create_engine
from servicekit.app import create_subgraph_app
from servicekit.auth import TokenVerifier
from servicekit.internal import internal_secret
from subgraphs.products.context import ProductsContext, build_context
from subgraphs.products.database import ProductsDatabase
from subgraphs.products.schema import build_schema
from subgraphs.products.settings import ProductsSettings

__all__ = ["create_app"]


class _State:
    """The database handle, created when the app starts and disposed of when it stops."""

    db: ProductsDatabase | None = None


def create_app(settings: ProductsSettings, *, verifier: TokenVerifier | None = None) -> Starlette:
    database_url = settings.effective_database_url
    if database_url is None:
        raise ValueError("the products subgraph needs a database URL (MARKETPLACE_PRODUCTS_DATABASE_URL)")
    verifier = verifier or TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks_url=settings.effective_jwks_url,
        leeway_seconds=settings.jwt_leeway_seconds,
    )
    secret = internal_secret(settings.internal_secret, settings.data_dir)
    services = settings.allowed_reservation_services
    state = _State()

    async def startup() -> None:
        replica = None
        if settings.read_database_url:
            replica = create_engine(settings.read_database_url, pool_name="products-replica")
        state.db = ProductsDatabase(
            create_engine(database_url, pool_name="products"),
            replica,
            read_your_writes_seconds=settings.read_your_writes_seconds,
            replica_retry_seconds=settings.replica_retry_seconds,
            replica_connect_timeout=settings.replica_connect_timeout,
        )

    async def shutdown() -> None:
        if state.db is not None:
            await state.db.dispose()
            state.db = None

    async def database_ready() -> bool:
        if state.db is None:
            return False
        async with state.db.primary.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    async def context_getter(request: Request, response: Any) -> ProductsContext:
        if state.db is None:
            raise RuntimeError("the products app has not started")
        return await build_context(
            request, response, db=state.db, verifier=verifier, internal_secret=secret, reservation_services=services
        )

    app = create_subgraph_app(
        service="products",
        schema=build_schema(mask_errors=settings.is_production, router_secret=secret),
        context_getter=context_getter,
        on_startup=[startup],
        on_shutdown=[shutdown],
        readiness_checks=[database_ready],
    )
    app.state.products = state
    return app
