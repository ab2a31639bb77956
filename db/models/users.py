"""Tables of the users service, all in the PostgreSQL schema ``users``.

A deleted account keeps its row (``deleted_at`` set) with its personal data scrubbed: email, name
and password hash become ``NULL``, so the address can sign up again (the unique email index only
covers live rows) while orders that reference the id still resolve a tombstone.

Refresh tokens are stored as the SHA-256 of the opaque value. Every rotation inserts a new row of
the same ``family_id`` and marks the old one ``used_at``; presenting a used one revokes the family.

``login_throttle`` counts password attempts per key (``account:<id>`` or ``address:<ip>``) in a
fixed window, in the database so that every instance shares the counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.models.base import schema_metadata

SCHEMA = "users"
ROLES = ("USER", "ADMIN")


class UsersBase(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)


class User(UsersBase):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False, server_default="USER")
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (
        CheckConstraint("role IN ('USER', 'ADMIN')", name="role_known"),
        CheckConstraint(
            "deleted_at IS NOT NULL OR (email IS NOT NULL AND name IS NOT NULL AND password_hash IS NOT NULL)",
            name="live_has_profile",
        ),
        Index(
            "uq_users_email_live", func.lower(text("email")), unique=True, postgresql_where=text("deleted_at IS NULL")
        ),
    )


class RefreshToken(UsersBase):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False
    )
    family_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_refresh_tokens_user_live", "user_id", postgresql_where=text("revoked_at IS NULL")),)


class LoginThrottle(UsersBase):
    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_login_throttle_window", "window_start"),)
