"""The users subgraph's Starlette app: GraphQL, the JWKS, health, readiness and metrics.

The service verifies the tokens it receives against its own key ring (no HTTP round trip to
itself); other services fetch ``/.well-known/jwks.json``.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.engine import close_engine, create_engine, session_factory
from servicekit.app import create_subgraph_app
from servicekit.auth import TokenVerifier
from servicekit.context import authenticate
from servicekit.internal import internal_secret
from servicekit.keys import KeyRing
from subgraphs.users.context import UsersContext
from subgraphs.users.loaders import UserLoaders
from subgraphs.users.passwords import Passwords
from subgraphs.users.schema import build_schema
from subgraphs.users.service import throttle
from subgraphs.users.service.credentials import Credentials
from subgraphs.users.service.throttle import ThrottlePolicy
from subgraphs.users.settings import UsersSettings
from subgraphs.users.tokens import TokenIssuer, load_key_ring

JWKS_PATH = "/.well-known/jwks.json"
log = logging.getLogger(__name__)


class UsersRuntime:
    """What exists only while the app runs: the engine and the session factory."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._engine: AsyncEngine | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the users app has not started")
        return self._engine

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        if self._sessions is None:
            raise RuntimeError("the users app has not started")
        return self._sessions

    async def start(self) -> None:
        self._engine = create_engine(self.database_url, pool_name="users")
        self._sessions = session_factory(self._engine)

    async def stop(self) -> None:
        if self._engine is not None:
            await close_engine(self._engine)
        self._engine = self._sessions = None

    async def database_ready(self) -> bool:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True


def passwords_from(settings: UsersSettings) -> Passwords:
    return Passwords(
        memory_kib=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
        min_length=settings.password_min_length,
        max_length=settings.password_max_length,
    )


def throttle_policy_from(settings: UsersSettings) -> ThrottlePolicy:
    return ThrottlePolicy(
        window_seconds=settings.login_window_seconds,
        max_per_account=settings.login_max_failures_per_account,
        max_per_address=settings.login_max_failures_per_address,
        max_per_pair=settings.login_max_failures_per_account_and_address,
        known_days=settings.login_known_address_days,
    )


def create_app(
    settings: UsersSettings, *, verifier: TokenVerifier | None = None, key_ring: KeyRing | None = None
) -> Starlette:
    database_url = settings.effective_database_url
    if database_url is None:
        raise ValueError("the users service needs a database URL (MARKETPLACE_USERS_DATABASE_URL or DATABASE_URL)")
    ring = key_ring or load_key_ring(settings)
    issuer = TokenIssuer(
        ring,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
    )
    token_verifier = verifier or TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        jwks=ring.jwks(),
        leeway_seconds=settings.jwt_leeway_seconds,
    )
    passwords = passwords_from(settings)
    policy = throttle_policy_from(settings)
    runtime = UsersRuntime(database_url)
    jwks_body = ring.jwks()
    secret = internal_secret(settings.internal_secret, settings.data_dir)

    async def startup() -> None:
        await runtime.start()
        await passwords.warm_up()
        try:
            await throttle.purge_stale(runtime.sessions, policy)
        except (OSError, SQLAlchemyError):  # housekeeping only: /ready reports the database's state
            log.warning("could not purge old login throttle rows", exc_info=True)

    async def context_getter(request: Request, response: Any) -> UsersContext:
        principal, error = await authenticate(request, token_verifier)
        sessions = runtime.sessions
        return UsersContext(
            request=request,
            response=response,
            principal=principal,
            auth_error=error,
            credentials=Credentials(sessions=sessions, passwords=passwords, tokens=issuer, throttle=policy),
            verifier=token_verifier,
            loaders=UserLoaders(sessions),
            internal_secret=secret,
        )

    async def jwks(_: Request) -> Response:
        return JSONResponse(jwks_body, headers={"Cache-Control": "public, max-age=300"})

    app = create_subgraph_app(
        service="users",
        schema=build_schema(
            mask_errors=settings.is_production,
            introspection=not settings.is_production,
            router_secret=secret,
        ),
        context_getter=context_getter,
        on_startup=[startup],
        on_shutdown=[runtime.stop],
        readiness_checks=[runtime.database_ready],
        routes=[Route(JWKS_PATH, jwks, methods=["GET"])],
        graphiql=not settings.is_production,
    )
    app.state.users = runtime
    app.state.settings = settings
    app.state.key_ring = ring
    return app
