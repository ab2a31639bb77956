"""The users subgraph's request context: the shared one plus the service's dependencies and loaders.

An access token is only as good as its account: :meth:`UsersContext.actor` loads the caller's row
(through the loader, so it joins the request's batch) and refuses a token whose account is
deleted; the role used for decisions is the one in the database, not the token's.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass

from servicekit.auth import Principal, TokenVerifier
from servicekit.context import RequestContext
from servicekit.errors import Unauthenticated
from subgraphs.users.loaders import UserLoaders
from subgraphs.users.service.credentials import Credentials


@dataclass(kw_only=True)
class UsersContext(RequestContext):
    credentials: Credentials
    verifier: TokenVerifier
    loaders: UserLoaders

    def prefetch_caller(self) -> None:
        """Queue the caller's row in the current batch (so checking it later costs no extra query)."""
        if self.principal is not None:
            self.loaders.users.load(self.principal.user_id)

    async def actor(self) -> Principal | None:
        """The caller with its current role; ``None`` if anonymous; UNAUTHENTICATED for a bad token or gone account."""
        if self.auth_error is not None:
            raise self.auth_error
        if self.principal is None:
            return None
        row = await self.loaders.users.load(self.principal.user_id)
        if row is None or row.deleted_at is not None:
            raise Unauthenticated("this account no longer exists")
        return dataclasses.replace(self.principal, role=row.role)

    async def require_actor(self) -> Principal:
        actor = await self.actor()
        if actor is None:
            raise Unauthenticated()
        return actor

    def forget(self, user_id: str) -> None:
        """Drop a user from the loader's cache after a write, so later fields of the request see the change."""
        with contextlib.suppress(KeyError):  # strawberry's DataLoader raises for a key it never loaded
            self.loaders.users.clear(user_id)
