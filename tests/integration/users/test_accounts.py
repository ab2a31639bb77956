"""Every account operation through GraphQL, and who may do what (self, other, admin, anonymous)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from db.engine import create_engine
from tests.integration.users.conftest import LOGIN, PASSWORD, SIGN_UP, Account, UsersApi, codes

pytestmark = [pytest.mark.users, pytest.mark.integration]

USER = "query($id: ID!) { user(id: $id) { id name email role createdAt updatedAt } }"
ME = "{ me { id name email role } }"
UPDATE = """
mutation($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id name email role updatedAt } }
"""
DELETE = "mutation($id: ID!) { deleteUser(id: $id) }"


async def test_sign_up_is_public_and_makes_a_user(api: UsersApi) -> None:
    email = f"grace-{uuid.uuid4().hex[:8]}@EXAMPLE.org"
    data = await api.data(
        SIGN_UP, {"input": {"email": f"  {email} ", "name": "  Grace   Hopper ", "password": PASSWORD}}
    )
    user = data["createUser"]
    local, _, domain = email.partition("@")
    assert user["email"] == f"{local}@{domain.lower()}"  # trimmed, domain lower-cased; shown to its creator
    assert user["name"] == "Grace Hopper"
    assert user["role"] == "USER"
    assert uuid.UUID(user["id"])
    assert user["createdAt"] == user["updatedAt"]


async def test_sign_up_refuses_a_taken_email_whatever_its_case(api: UsersApi) -> None:
    account = await api.sign_up("Taken", login=False)
    body = await api.gql(SIGN_UP, {"input": {"email": account.email.upper(), "name": "Other", "password": PASSWORD}})
    assert codes(body) == ["CONFLICT"]
    assert body["errors"][0]["extensions"]["field"] == "email"


@pytest.mark.parametrize(
    ("field", "value", "expected_field"),
    [
        ("email", "not-an-email", "email"),
        ("email", "a@b", "email"),
        ("name", "   ", "name"),
        ("name", "x" * 201, "name"),
        ("password", "short", "password"),
        ("password", "p" * 129, "password"),
    ],
)
async def test_sign_up_refuses_bad_input_and_names_the_field(
    api: UsersApi, field: str, value: str, expected_field: str
) -> None:
    values = {"email": f"bad-{uuid.uuid4().hex[:8]}@example.com", "name": "Bad", "password": PASSWORD, field: value}
    body = await api.gql(SIGN_UP, {"input": values})
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == expected_field


async def test_only_an_admin_creates_an_admin(api: UsersApi, admin_account: Account) -> None:
    def admin_input() -> dict[str, object]:
        email = f"boss-{uuid.uuid4().hex[:8]}@example.com"
        return {"input": {"email": email, "name": "Boss", "password": PASSWORD, "role": "ADMIN"}}

    assert codes(await api.gql(SIGN_UP, admin_input())) == ["UNAUTHENTICATED"]
    user = await api.sign_up("Pretender")
    assert codes(await api.gql(SIGN_UP, admin_input(), headers=user.headers)) == ["FORBIDDEN"]
    created = await api.data(SIGN_UP, admin_input(), headers=admin_account.headers)
    assert created["createUser"]["role"] == "ADMIN"


async def test_me_needs_a_caller_and_shows_the_whole_account(api: UsersApi) -> None:
    assert codes(await api.gql(ME)) == ["UNAUTHENTICATED"]
    account = await api.sign_up("Self")
    me = (await api.data(ME, headers=account.headers))["me"]
    assert me == {
        "id": account.id,
        "name": "Self",
        "email": account.email.replace("Example.com", "example.com"),
        "role": "USER",
    }


async def test_reading_a_user_self_other_admin_and_anonymous(api: UsersApi, admin_account: Account) -> None:
    owner = await api.sign_up("Owner")
    other = await api.sign_up("Other")
    variables = {"id": owner.id}

    assert codes(await api.gql(USER, variables)) == ["UNAUTHENTICATED"]
    as_self = (await api.data(USER, variables, headers=owner.headers))["user"]
    assert as_self["email"] is not None
    assert as_self["role"] == "USER"
    as_other = (await api.data(USER, variables, headers=other.headers))["user"]
    assert as_other["name"] == "Owner"
    assert as_other["email"] is None  # the public profile: no email, no role
    assert as_other["role"] is None
    as_admin = (await api.data(USER, variables, headers=admin_account.headers))["user"]
    assert as_admin["email"] == as_self["email"]
    assert as_admin["role"] == "USER"
    assert (await api.data(USER, {"id": str(uuid.uuid4())}, headers=other.headers))["user"] is None
    assert (await api.data(USER, {"id": "not-a-uuid"}, headers=other.headers))["user"] is None


async def test_bad_tokens_are_unauthenticated(api: UsersApi) -> None:
    assert codes(await api.gql(ME, headers={"Authorization": "Bearer not.a.token"})) == ["UNAUTHENTICATED"]
    assert codes(await api.gql(ME, headers={"Authorization": "Basic dXNlcjpwdw=="})) == ["UNAUTHENTICATED"]


async def test_updating_self_other_admin_and_anonymous(api: UsersApi, admin_account: Account) -> None:
    owner = await api.sign_up("Before")
    other = await api.sign_up("Stranger")

    assert codes(await api.gql(UPDATE, {"id": owner.id, "input": {"name": "Anon"}})) == ["UNAUTHENTICATED"]
    forbidden = await api.gql(UPDATE, {"id": owner.id, "input": {"name": "Hijacked"}}, headers=other.headers)
    assert codes(forbidden) == ["FORBIDDEN"]
    renamed = await api.data(UPDATE, {"id": owner.id.upper(), "input": {"name": "After"}}, headers=owner.headers)
    assert renamed["updateUser"]["name"] == "After"
    by_admin = await api.data(UPDATE, {"id": owner.id, "input": {"name": "Fixed"}}, headers=admin_account.headers)
    assert by_admin["updateUser"]["name"] == "Fixed"
    assert by_admin["updateUser"]["email"] is not None  # an admin sees it
    shown = (await api.data(USER, {"id": owner.id}, headers=other.headers))["user"]
    assert shown["name"] == "Fixed"
    assert shown["updatedAt"] > shown["createdAt"]


async def test_only_an_admin_changes_roles(api: UsersApi, admin_account: Account) -> None:
    account = await api.sign_up("Climber")
    own = await api.gql(UPDATE, {"id": account.id, "input": {"role": "ADMIN"}}, headers=account.headers)
    assert codes(own) == ["FORBIDDEN"]
    promoted = await api.data(UPDATE, {"id": account.id, "input": {"role": "ADMIN"}}, headers=admin_account.headers)
    assert promoted["updateUser"]["role"] == "ADMIN"
    # The role that counts is the database's: the old USER token now acts as an admin in this service.
    victim = await api.sign_up("Watched")
    seen = (await api.data(USER, {"id": victim.id}, headers=account.headers))["user"]
    assert seen["email"] is not None


async def test_a_full_replacement_changes_email_name_and_password(api: UsersApi) -> None:
    account = await api.sign_up("Put")
    new_email = f"put-{uuid.uuid4().hex[:8]}@example.com"
    new_password = "an entirely new passphrase"
    changes = {"email": new_email, "name": "Replaced", "password": new_password}
    updated = await api.data(UPDATE, {"id": account.id, "input": changes}, headers=account.headers)
    assert updated["updateUser"]["email"] == new_email
    assert updated["updateUser"]["name"] == "Replaced"
    old = await api.gql(LOGIN, {"id": account.id, "password": PASSWORD})
    assert codes(old) == ["UNAUTHENTICATED"]
    assert (await api.data(LOGIN, {"id": account.id, "password": new_password}))["authenticate"]["accessToken"]
    # A new password ends every session: the refresh token issued before the change is dead.
    stale = await api.gql(LOGIN, {"id": account.id, "refreshToken": account.refresh_token})
    assert codes(stale) == ["UNAUTHENTICATED"]


async def test_updates_refuse_a_taken_email_bad_input_and_unknown_users(api: UsersApi, admin_account: Account) -> None:
    first = await api.sign_up("First")
    second = await api.sign_up("Second")
    taken = await api.gql(UPDATE, {"id": second.id, "input": {"email": first.email}}, headers=second.headers)
    assert codes(taken) == ["CONFLICT"]
    short = await api.gql(UPDATE, {"id": second.id, "input": {"password": "short"}}, headers=second.headers)
    assert codes(short) == ["BAD_USER_INPUT"]
    missing = await api.gql(UPDATE, {"id": str(uuid.uuid4()), "input": {"name": "X"}}, headers=admin_account.headers)
    assert codes(missing) == ["NOT_FOUND"]
    unchanged = await api.data(UPDATE, {"id": second.id, "input": {}}, headers=second.headers)
    assert unchanged["updateUser"]["name"] == "Second"


async def test_deleting_self_other_admin_and_anonymous(api: UsersApi, admin_account: Account) -> None:
    owner = await api.sign_up("Leaving")
    other = await api.sign_up("Bystander")
    assert codes(await api.gql(DELETE, {"id": owner.id})) == ["UNAUTHENTICATED"]
    assert codes(await api.gql(DELETE, {"id": owner.id}, headers=other.headers)) == ["FORBIDDEN"]
    assert (await api.data(DELETE, {"id": owner.id}, headers=owner.headers))["deleteUser"] is True
    assert (await api.data(DELETE, {"id": other.id}, headers=admin_account.headers))["deleteUser"] is True
    again = await api.gql(DELETE, {"id": other.id}, headers=admin_account.headers)
    assert codes(again) == ["NOT_FOUND"]


async def test_a_deleted_account_cannot_log_in_and_its_tokens_stop_working(
    api: UsersApi, admin_account: Account
) -> None:
    account = await api.sign_up("Gone")
    await api.data(DELETE, {"id": account.id}, headers=account.headers)

    login = await api.gql(LOGIN, {"id": account.id, "password": PASSWORD})
    assert codes(login) == ["UNAUTHENTICATED"]
    assert codes(await api.gql(LOGIN, {"id": account.id, "refreshToken": account.refresh_token})) == ["UNAUTHENTICATED"]
    assert codes(await api.gql(ME, headers=account.headers)) == ["UNAUTHENTICATED"]
    assert (await api.data(USER, {"id": account.id}, headers=admin_account.headers))["user"] is None
    valid = await api.data(
        "mutation($id: ID!, $t: String) { validateCredentials(userId: $id, token: $t) { valid } }",
        {"id": account.id, "t": account.access_token},
    )
    assert valid["validateCredentials"]["valid"] is False
    # The address is free again: the row kept for references holds no personal data.
    again = await api.data(SIGN_UP, {"input": {"email": account.email, "name": "Back", "password": PASSWORD}})
    assert again["createUser"]["id"] != account.id


async def test_deletion_scrubs_personal_data_but_keeps_the_row(api: UsersApi, database_url: str) -> None:
    account = await api.sign_up("Scrubbed")
    await api.data(DELETE, {"id": account.id}, headers=account.headers)
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT email, name, password_hash, deleted_at FROM users.users WHERE id = :id"),
                    {"id": uuid.UUID(account.id)},
                )
            ).one()
            live_tokens = await connection.scalar(
                text("SELECT count(*) FROM users.refresh_tokens WHERE user_id = :id AND revoked_at IS NULL"),
                {"id": uuid.UUID(account.id)},
            )
    finally:
        await engine.dispose()
    assert (row.email, row.name, row.password_hash) == (None, None, None)
    assert row.deleted_at is not None
    assert live_tokens == 0


async def test_stored_hashes_are_argon2id_with_owasp_parameters(api: UsersApi, database_url: str) -> None:
    account = await api.sign_up("Hashed", login=False)
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            stored = await connection.scalar(
                text("SELECT password_hash FROM users.users WHERE id = :id"), {"id": uuid.UUID(account.id)}
            )
    finally:
        await engine.dispose()
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PASSWORD not in stored


async def test_the_create_admin_command_reads_the_password_from_stdin(api: UsersApi, database_url: str) -> None:
    email = f"root-{uuid.uuid4().hex[:8]}@example.com"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MARKETPLACE_")}
    environment["MARKETPLACE_DATABASE_URL"] = database_url
    command = [sys.executable, "-m", "subgraphs.users.admin", "--email", email, "--name", "Root"]
    done = await asyncio.to_thread(
        subprocess.run, command, input=f"{PASSWORD}\n", capture_output=True, text=True, env=environment, timeout=60
    )
    assert done.returncode == 0, done.stderr
    user_id = done.stdout.strip()
    root = Account(user_id, email, "Root", PASSWORD)
    await api.login(root)
    assert (await api.data(ME, headers=root.headers))["me"]["role"] == "ADMIN"

    duplicate = await asyncio.to_thread(
        subprocess.run, command, input=f"{PASSWORD}\n", capture_output=True, text=True, env=environment, timeout=60
    )
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
