"""DataLoaders of the users subgraph: every user looked up during one request goes out in one query.

``_entities`` with N representations, the caller's own account (loaded to check it still exists)
and ``user(id)`` all share the loader, so they are batched together.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from strawberry.dataloader import DataLoader

from db.models.users import User
from subgraphs.users.service.accounts import users_by_ids


class UserLoaders:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        async def load(ids: Sequence[str]) -> list[User | None]:
            return await users_by_ids(sessions, ids)

        self.users: DataLoader[str, User | None] = DataLoader(load_fn=load)
