"""Federation: ``_service { sdl }``, and ``_entities`` resolved in one SQL query however many users."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from db.engine import create_engine
from tests.integration.users.conftest import Account, UsersApi, codes

pytestmark = [pytest.mark.users, pytest.mark.integration]

ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id name email role createdAt } }
}
"""


class StatementCounter:
    """Counts the SQL statements the app's engine sends (a ``before_cursor_execute`` listener)."""

    def __init__(self, api: UsersApi) -> None:
        assert api.app is not None
        self.engine = api.app.state.users.engine.sync_engine
        self.statements: list[str] = []

    def _count(self, *args: Any) -> None:
        self.statements.append(str(args[2]))

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def counted(api: UsersApi) -> Iterator[StatementCounter]:
    with StatementCounter(api) as counter:
        yield counter


async def insert_users(database_url: str, count: int) -> list[str]:
    """Rows written directly (one placeholder hash) so the test needs no 50 argon2 hashes."""
    ids = [uuid.uuid4() for _ in range(count)]
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users.users (id, email, name, role, password_hash) "
                    "VALUES (:id, :email, :name, 'USER', '$argon2id$placeholder')"
                ),
                [
                    {"id": key, "email": f"bulk-{key.hex}@example.com", "name": f"Bulk {index}"}
                    for index, key in enumerate(ids)
                ],
            )
    finally:
        await engine.dispose()
    return [str(key) for key in ids]


async def test_service_sdl_is_served(api: UsersApi) -> None:
    sdl = (await api.data("{ _service { sdl } }"))["_service"]["sdl"]
    assert 'type User @key(fields: "id")' in sdl
    assert '@link(url: "https://specs.apollo.dev/federation/v2' in sdl


async def test_entities_and_sdl_answer_only_the_router(api: UsersApi) -> None:
    direct = UsersApi(api.client, api.app, as_router=False)
    for query in (
        "{ _service { sdl } }",
        '{ _entities(representations: [{__typename: "User", id: "x"}]) { __typename } }',
    ):
        body = await direct.gql(query)
        assert body["data"] is None
        assert codes(body) == ["FORBIDDEN"]
    # the public root fields are not the extension's business: they answer with their own checks
    assert codes(await direct.gql('{ user(id: "x") { id } }')) == ["UNAUTHENTICATED"]


async def test_fifty_entities_cost_one_query(api: UsersApi, database_url: str, counted: StatementCounter) -> None:
    ids = await insert_users(database_url, 50)
    counted.statements.clear()
    data = await api.data(ENTITIES, {"representations": [{"__typename": "User", "id": key} for key in ids]})
    assert [entity["id"] for entity in data["_entities"]] == ids
    assert [entity["name"] for entity in data["_entities"]] == [f"Bulk {index}" for index in range(50)]
    assert all(entity["email"] is None for entity in data["_entities"])  # anonymous: public profile only
    assert len(counted.statements) == 1, counted.statements


async def test_the_callers_own_check_joins_the_same_query(
    api: UsersApi, database_url: str, counted: StatementCounter
) -> None:
    ids = await insert_users(database_url, 50)
    caller = await api.sign_up("Caller")
    counted.statements.clear()
    representations = [{"__typename": "User", "id": key} for key in [*ids, caller.id]]
    data = await api.data(ENTITIES, {"representations": representations}, headers=caller.headers)
    assert data["_entities"][-1]["email"] is not None  # the caller sees their own
    assert all(entity["email"] is None for entity in data["_entities"][:-1])
    assert len(counted.statements) == 1, counted.statements


async def test_deleted_users_resolve_to_a_tombstone_and_unknown_ones_to_null(
    api: UsersApi, admin_account: Account
) -> None:
    gone = await api.sign_up("Vanished")
    await api.data("mutation($id: ID!) { deleteUser(id: $id) }", {"id": gone.id}, headers=gone.headers)
    representations = [
        {"__typename": "User", "id": gone.id},
        {"__typename": "User", "id": str(uuid.uuid4())},
        {"__typename": "User", "id": "not-a-uuid"},
    ]
    data = await api.data(ENTITIES, {"representations": representations}, headers=admin_account.headers)
    tombstone, unknown, malformed = data["_entities"]
    assert tombstone["id"] == gone.id
    assert tombstone["name"] == "Deleted user"
    assert tombstone["email"] is None
    assert unknown is None
    assert malformed is None


async def test_entities_with_a_deleted_callers_token_fail_only_on_private_fields(api: UsersApi) -> None:
    caller = await api.sign_up("Stale")
    target = await api.sign_up("Seen", login=False)
    await api.data("mutation($id: ID!) { deleteUser(id: $id) }", {"id": caller.id}, headers=caller.headers)
    representations = [{"__typename": "User", "id": target.id}]
    public = await api.data(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }",
        {"r": representations},
        headers=caller.headers,
    )
    assert public["_entities"] == [{"id": target.id, "name": "Seen"}]
    private = await api.gql(ENTITIES, {"representations": representations}, headers=caller.headers)
    assert "UNAUTHENTICATED" in codes(private)
