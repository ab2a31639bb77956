"""Accounts: sign-up, profile changes, soft deletion, batched reads.

Deleting an account keeps its row with the personal data scrubbed (email, name and password hash
set to ``NULL``, ``deleted_at`` set) and revokes its refresh tokens, so orders that reference the
id keep a stable reference and the email address can sign up again.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models.users import ROLES, RefreshToken, User
from servicekit.errors import BadUserInput, Conflict, NotFound
from subgraphs.users.passwords import Passwords

EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 200
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID of an id string; ``None`` for anything that is not one (it names no account)."""
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return None


def clean_email(email: str) -> str:
    """Trimmed, domain lower-cased; uniqueness is case-insensitive (``lower(email)`` index)."""
    email = email.strip()
    if len(email) > EMAIL_MAX_LENGTH or not _EMAIL.match(email):
        raise BadUserInput("the email address is not valid", field="email")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_name(name: str) -> str:
    """The name with runs of whitespace made one space.

    The length limit counts the name as sent, less the whitespace around it (what the OpenAPI
    document's pattern states, router/rest/operations/constraints.yaml): inside, a run of spaces
    counts as sent, though it is stored as one.
    """
    trimmed = name.strip()
    if not trimmed:
        raise BadUserInput("the name must not be empty", field="name")
    collapsed = " ".join(trimmed.split())
    if len(trimmed) > NAME_MAX_LENGTH or _CONTROL.search(collapsed):
        raise BadUserInput(f"the name must be at most {NAME_MAX_LENGTH} printable characters", field="name")
    return collapsed


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise BadUserInput(f"the role must be one of {', '.join(ROLES)}", field="role")
    return role


def _is_email_conflict(error: IntegrityError) -> bool:
    return "uq_users_email_live" in str(error.orig)


async def create_user(
    sessions: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "USER",
) -> User:
    """A new account; :class:`Conflict` when a live account already has the email address."""
    user = User(
        id=uuid.uuid4(),
        email=clean_email(email),
        name=clean_name(name),
        role=_check_role(role),
        password_hash=await passwords.hash(passwords.check_policy(password)),
    )
    try:
        async with sessions.begin() as session:
            session.add(user)
            await session.flush()
            await session.refresh(user)
    except IntegrityError as error:
        if _is_email_conflict(error):
            raise Conflict("an account with this email address already exists", field="email") from None
        raise
    return user


async def update_user(
    sessions: async_sessionmaker[AsyncSession],
    passwords: Passwords,
    user_id: str,
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = None,
    role: str | None = None,
) -> User:
    """Change the given fields of a live account; a new password revokes every refresh token."""
    key = parse_id(user_id)
    changes: dict[str, object] = {}
    if email is not None:
        changes["email"] = clean_email(email)
    if name is not None:
        changes["name"] = clean_name(name)
    if role is not None:
        changes["role"] = _check_role(role)
    if password is not None:
        changes["password_hash"] = await passwords.hash(passwords.check_policy(password))
    try:
        async with sessions.begin() as session:
            user = None
            if key is not None:
                query = select(User).where(User.id == key, User.deleted_at.is_(None)).with_for_update()
                user = (await session.execute(query)).scalar_one_or_none()
            if user is None:
                raise NotFound("no such user")
            if not changes:
                return user
            for field, value in changes.items():
                setattr(user, field, value)
            user.updated_at = datetime.now(UTC)
            if password is not None:
                await _revoke_refresh_tokens(session, user.id)
            await session.flush()
    except IntegrityError as error:
        if _is_email_conflict(error):
            raise Conflict("an account with this email address already exists", field="email") from None
        raise
    return user


async def delete_user(sessions: async_sessionmaker[AsyncSession], user_id: str) -> bool:
    """Scrub a live account and revoke its refresh tokens; ``False`` when there was no live account."""
    key = parse_id(user_id)
    if key is None:
        return False
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        deleted = await session.execute(
            update(User)
            .where(User.id == key, User.deleted_at.is_(None))
            .values(email=None, name=None, password_hash=None, deleted_at=now, updated_at=now)
            .returning(User.id)
        )
        if deleted.first() is None:
            return False
        await _revoke_refresh_tokens(session, key)
    return True


async def _revoke_refresh_tokens(session: AsyncSession, user_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def users_by_ids(sessions: async_sessionmaker[AsyncSession], ids: Sequence[str]) -> list[User | None]:
    """The rows (deleted ones included) of ``ids``, in order, ``None`` where there is none: one query at most."""
    keys = [parse_id(value) for value in ids]
    wanted = {key for key in keys if key is not None}
    found: dict[uuid.UUID, User] = {}
    if wanted:
        async with sessions() as session:
            rows = (await session.execute(select(User).where(User.id.in_(sorted(wanted))))).scalars()
            found = {row.id: row for row in rows}
    return [found.get(key) if key is not None else None for key in keys]


async def live_user(session: AsyncSession, user_id: str) -> User | None:
    """The live (not deleted) account of ``user_id`` in an open session."""
    key = parse_id(user_id)
    if key is None:
        return None
    query = select(User).where(User.id == key, User.deleted_at.is_(None))
    return (await session.execute(query)).scalar_one_or_none()
