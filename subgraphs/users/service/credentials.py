"""Logging in (password or refresh token) and checking credentials.

Every way a password login can fail — no such account, a deleted one, a malformed id, a wrong
password — ends in the same :class:`Unauthenticated` with the same message after the same argon2
work, so the answer does not tell whether an account exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.users import User
from servicekit.auth import TokenVerifier
from servicekit.errors import Unauthenticated
from subgraphs.users.passwords import Passwords
from subgraphs.users.service import refresh_tokens, throttle
from subgraphs.users.service.accounts import live_user
from subgraphs.users.service.throttle import ThrottlePolicy
from subgraphs.users.tokens import TOKEN_TYPE, TokenIssuer

log = logging.getLogger(__name__)
INVALID_CREDENTIALS = "invalid credentials"


@dataclass(frozen=True)
class Credentials:
    """What a credentials check needs: the database, the hasher, the token issuer, the throttle."""

    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    tokens: TokenIssuer
    throttle: ThrottlePolicy


@dataclass(frozen=True)
class AuthResult:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = TOKEN_TYPE


@dataclass(frozen=True)
class Validity:
    valid: bool
    expires_at: datetime | None = None


async def _password_matches(deps: Credentials, user_id: str, password: str, address: str) -> User | None:
    """The live account when ``password`` is its password; counted by the throttle either way."""
    await throttle.begin_attempt(deps.sessions, deps.throttle, user_id=user_id, address=address)
    async with deps.sessions() as session:
        user = await live_user(session, user_id)
    stored_hash = user.password_hash if user is not None else None
    if not await deps.passwords.verify(stored_hash, password) or user is None:
        return None
    await throttle.attempt_succeeded(deps.sessions, user_id=user_id, address=address)
    if stored_hash is not None and deps.passwords.needs_rehash(stored_hash):
        await _rehash(deps, user, password)
    return user


async def _rehash(deps: Credentials, user: User, password: str) -> None:
    new_hash = await deps.passwords.hash(password)
    async with deps.sessions.begin() as session:
        await session.execute(
            update(User)
            .where(User.id == user.id, User.password_hash == user.password_hash)
            .values(password_hash=new_hash)
        )


async def login_with_password(deps: Credentials, user_id: str, password: str, address: str) -> AuthResult:
    user = await _password_matches(deps, user_id, password, address)
    if user is None:
        raise Unauthenticated(INVALID_CREDENTIALS)
    async with deps.sessions.begin() as session:
        refresh = await refresh_tokens.issue(session, user.id, deps.tokens.refresh_ttl_seconds)
    access = deps.tokens.access_token(str(user.id), user.role)
    return AuthResult(access.token, refresh, access.expires_in)


async def login_with_refresh_token(deps: Credentials, user_id: str, token: str) -> AuthResult:
    try:
        rotated = await refresh_tokens.rotate(deps.sessions, user_id, token, deps.tokens.refresh_ttl_seconds)
    except refresh_tokens.RefreshRejected:
        raise Unauthenticated(INVALID_CREDENTIALS) from None
    access = deps.tokens.access_token(rotated.user_id, rotated.role)
    return AuthResult(access.token, rotated.token, access.expires_in)


async def check_password(deps: Credentials, user_id: str, password: str, address: str) -> Validity:
    """Whether the password is the account's (throttled like a login; RATE_LIMITED when over the limit)."""
    user = await _password_matches(deps, user_id, password, address)
    return Validity(user is not None)


async def check_token(deps: Credentials, verifier: TokenVerifier, user_id: str, token: str) -> Validity:
    """Whether ``token`` (an access token, or an unspent refresh token) is valid for this live account."""
    if token.count(".") == 2:
        try:
            principal = await verifier.verify(token)
        except Unauthenticated:
            return Validity(False)
        if principal.user_id != user_id or principal.expires_at is None:
            return Validity(False)
        async with deps.sessions() as session:
            if await live_user(session, user_id) is None:
                return Validity(False)
        return Validity(True, datetime.fromtimestamp(principal.expires_at, UTC))
    expires_at = await refresh_tokens.live_expiry(deps.sessions, user_id, token)
    return Validity(expires_at is not None, expires_at)
