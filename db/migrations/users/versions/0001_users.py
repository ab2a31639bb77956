"""users (soft-deleted rows keep their id), refresh token families, login throttle

Revision ID: 0001_users
Revises:
Create Date: 2026-11-24 09:43:12.345611
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_users"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
        schema="users",
    )
    op.create_index("ix_login_throttle_window", "login_throttle", ["window_start"], unique=False, schema="users")
    op.create_table(
        "users",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=16), server_default="USER", nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('USER', 'ADMIN')", name=op.f("ck_users_role_known")),
        sa.CheckConstraint(
            "deleted_at IS NOT NULL OR (email IS NOT NULL AND name IS NOT NULL AND password_hash IS NOT NULL)",
            name=op.f("ck_users_live_has_profile"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        schema="users",
    )
    op.create_index(
        "uq_users_email_live",
        "users",
        [sa.literal_column("lower(email)")],
        unique=True,
        schema="users",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("family_id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.users.id"], name=op.f("fk_refresh_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
        schema="users",
    )
    op.create_index(
        "ix_refresh_tokens_user_live",
        "refresh_tokens",
        ["user_id"],
        unique=False,
        schema="users",
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index(
        op.f("ix_users_refresh_tokens_family_id"), "refresh_tokens", ["family_id"], unique=False, schema="users"
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_users_refresh_tokens_family_id"), table_name="refresh_tokens", schema="users")
    op.drop_index(
        "ix_refresh_tokens_user_live",
        table_name="refresh_tokens",
        schema="users",
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.drop_table("refresh_tokens", schema="users")
    op.drop_index(
        "uq_users_email_live", table_name="users", schema="users", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.drop_table("users", schema="users")
    op.drop_index("ix_login_throttle_window", table_name="login_throttle", schema="users")
    op.drop_table("login_throttle", schema="users")
