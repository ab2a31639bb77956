"""Refresh token families: issue, rotate (single use), detect reuse, revoke.

Rotation is one conditional ``UPDATE ... WHERE used_at IS NULL``: when two requests present the
same token at once, PostgreSQL's row lock lets exactly one of them mark it used; the other finds it
already used, which is indistinguishable from a stolen token being replayed, so it revokes the
whole family (the winner's new token included). A legitimate client that double-submits must then
log in again; a thief who raced the owner gets nothing that lasts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.users import RefreshToken
from subgraphs.users.service.accounts import live_user, parse_id
from subgraphs.users.tokens import hash_refresh_token, new_refresh_token


@dataclass(frozen=True)
class Rotated:
    token: str
    user_id: str
    role: str


class RefreshRejected(Exception):
    """The refresh token is unknown, expired, revoked, reused or not the account's."""


async def issue(session: AsyncSession, user_id: uuid.UUID, ttl_seconds: int, family_id: uuid.UUID | None = None) -> str:
    token, token_hash = new_refresh_token()
    session.add(
        RefreshToken(
            id=uuid.uuid4(),
            token_hash=token_hash,
            user_id=user_id,
            family_id=family_id or uuid.uuid4(),
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl_seconds),
        )
    )
    await session.flush()
    return token


async def rotate(sessions: async_sessionmaker[AsyncSession], user_id: str, token: str, ttl_seconds: int) -> Rotated:
    """Spend ``token`` and return its successor; :class:`RefreshRejected` otherwise (reuse revokes the family)."""
    key = parse_id(user_id)
    if key is None:
        raise RefreshRejected
    token_hash = hash_refresh_token(token)
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        spent = (
            await session.execute(
                update(RefreshToken)
                .where(
                    RefreshToken.token_hash == token_hash,
                    RefreshToken.user_id == key,
                    RefreshToken.used_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > now,
                )
                .values(used_at=now)
                .returning(RefreshToken.family_id)
            )
        ).first()
        if spent is not None:
            user = await live_user(session, user_id)
            if user is not None:
                successor = await issue(session, key, ttl_seconds, family_id=spent.family_id)
                return Rotated(successor, str(user.id), user.role)
    # Not spendable: find out whether it is a replay of a spent token (then revoke its family).
    async with sessions.begin() as session:
        known = (
            await session.execute(
                select(RefreshToken.family_id, RefreshToken.used_at, RefreshToken.revoked_at).where(
                    RefreshToken.token_hash == token_hash, RefreshToken.user_id == key
                )
            )
        ).first()
        if known is not None and (known.used_at is not None or known.revoked_at is not None):
            await revoke_family(session, known.family_id)
    raise RefreshRejected


async def revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def live_expiry(sessions: async_sessionmaker[AsyncSession], user_id: str, token: str) -> datetime | None:
    """When an unspent refresh token of a live account expires; ``None`` when it is not valid (nothing is spent)."""
    key = parse_id(user_id)
    if key is None:
        return None
    async with sessions() as session:
        row = (
            await session.execute(
                select(RefreshToken.expires_at).where(
                    RefreshToken.token_hash == hash_refresh_token(token),
                    RefreshToken.user_id == key,
                    RefreshToken.used_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > datetime.now(UTC),
                )
            )
        ).first()
        if row is None or await live_user(session, user_id) is None:
            return None
        expires_at: datetime = row.expires_at
        return expires_at
