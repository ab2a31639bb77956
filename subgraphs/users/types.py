"""GraphQL types of the users subgraph.

Visibility: ``id``, ``name``, ``createdAt`` and ``updatedAt`` are the public profile, readable by
anyone who can reach the user (another subgraph's reference, ``user(id)`` for any signed-in
caller). ``email`` and ``role`` are private: they resolve to ``null`` unless the caller is the user
or an admin. A deleted account resolves, as a federation entity, to a tombstone (``name`` "Deleted
user", ``email`` and ``role`` null); ``user(id)`` answers ``null`` for it.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import federation
from strawberry.types import Info

from db.models.users import User as UserRow
from subgraphs.users.context import UsersContext

TOMBSTONE_NAME = "Deleted user"


@strawberry.enum
class Role(Enum):
    USER = "USER"
    ADMIN = "ADMIN"


async def _sees_private(root: User, info: Info[UsersContext, Any]) -> bool:
    if root.creator_view:
        return True
    actor = await info.context.actor()
    return actor is not None and actor.can_act_for(root.id)


async def _email(root: User, info: Info[UsersContext, Any]) -> str | None:
    if root.private_email is None or not await _sees_private(root, info):
        return None
    return root.private_email


async def _role(root: User, info: Info[UsersContext, Any]) -> Role | None:
    if not await _sees_private(root, info):
        return None
    return Role(root.private_role)


@federation.type(keys=["id"], description="An account. `email` and `role` are visible to the user and admins only.")
class User:
    id: strawberry.ID
    name: str
    created_at: datetime
    updated_at: datetime
    private_email: strawberry.Private[str | None]
    private_role: strawberry.Private[str]
    deleted: strawberry.Private[bool] = False
    creator_view: strawberry.Private[bool] = False  # the account just signed up: its creator sees what they sent

    email: str | None = strawberry.field(
        resolver=_email, description="The user's email address; null unless you are this user or an admin."
    )
    role: Role | None = strawberry.field(
        resolver=_role, description="USER or ADMIN; null unless you are this user or an admin."
    )

    @classmethod
    async def resolve_reference(cls, info: Info[UsersContext, Any], id: strawberry.ID) -> User | None:
        info.context.prefetch_caller()
        row = await info.context.loaders.users.load(str(id))
        return None if row is None else cls.from_row(row)

    @classmethod
    def from_row(cls, row: UserRow, *, creator_view: bool = False) -> User:
        if row.deleted_at is not None:
            return cls(
                id=strawberry.ID(str(row.id)),
                name=TOMBSTONE_NAME,
                created_at=row.created_at,
                updated_at=row.updated_at,
                private_email=None,
                private_role=row.role,
                deleted=True,
            )
        return cls(
            id=strawberry.ID(str(row.id)),
            name=row.name or "",
            created_at=row.created_at,
            updated_at=row.updated_at,
            private_email=row.email,
            private_role=row.role,
            creator_view=creator_view,
        )


@strawberry.input(description="A new account. Only an admin may create an ADMIN.")
class CreateUserInput:
    email: str
    name: str
    password: str
    role: Role | None = None


@strawberry.input(description="The fields to change; omitted fields stay as they are. Only an admin may set `role`.")
class UpdateUserInput:
    email: str | None = None
    name: str | None = None
    password: str | None = None
    role: Role | None = None


@strawberry.type(description="Tokens for a user: send `accessToken` as `Authorization: Bearer <accessToken>`.")
class AuthPayload:
    access_token: str
    refresh_token: str = strawberry.field(description="Single use: exchange it with `authenticate` for new tokens.")
    token_type: str
    expires_in: int = strawberry.field(description="Seconds until the access token expires.")


@strawberry.type(description="Whether the credentials are valid, and until when (tokens only).")
class CredentialsValidity:
    valid: bool
    expires_at: datetime | None
