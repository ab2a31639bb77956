"""Failed password attempts are throttled per account and per address, across instances."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.integration.users.conftest import (
    LOGIN,
    PASSWORD,
    VALIDATE,
    UsersApi,
    codes,
    running_users_app,
    users_settings,
)

pytestmark = [pytest.mark.users, pytest.mark.integration]

WINDOW = 600
PER_ACCOUNT = 3
PER_ADDRESS = 6
WRONG = "definitely not the password"


@pytest.fixture(scope="module")
def throttled_servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two instances of the users app on one database, with small limits."""
    settings = users_settings(
        database_url,
        Path(tmp_path_factory.mktemp("throttle")),
        login_window_seconds=WINDOW,
        login_max_failures_per_account=PER_ACCOUNT,
        login_max_failures_per_address=PER_ADDRESS,
    )
    with running_users_app(settings) as (_, first), running_users_app(settings) as (_, second):
        yield [first, second]


@pytest_asyncio.fixture(loop_scope="session")
async def instances(throttled_servers: list[str]) -> AsyncIterator[list[UsersApi]]:
    async with (
        httpx.AsyncClient(base_url=throttled_servers[0], timeout=30) as one,
        httpx.AsyncClient(base_url=throttled_servers[1], timeout=30) as two,
    ):
        yield [UsersApi(one), UsersApi(two)]


def from_address() -> dict[str, str]:
    """A client address of its own per call (the throttle trusts X-Forwarded-For set by our router).

    64 random bits in IPv6's documentation prefix: with only 250 IPv4 documentation addresses, two
    calls in one run shared an address often enough to exceed the per-address limit by chance.
    """
    suffix = uuid.uuid4().hex[:16]
    groups = ":".join(suffix[i : i + 4] for i in range(0, 16, 4))
    return {"X-Forwarded-For": f"2001:db8::{groups}, 10.0.0.1"}


async def test_an_account_is_rate_limited_after_too_many_failures(instances: list[UsersApi]) -> None:
    api = instances[0]
    account = await api.sign_up("Target", login=False)
    for _ in range(PER_ACCOUNT):
        body = await api.gql(LOGIN, {"id": account.id, "password": WRONG}, headers=from_address())
        assert codes(body) == ["UNAUTHENTICATED"]
    limited = await api.gql(LOGIN, {"id": account.id, "password": PASSWORD}, headers=from_address())
    assert codes(limited) == ["RATE_LIMITED"]  # even the right password, from another address, waits
    retry_after = limited["errors"][0]["extensions"]["retryAfter"]
    assert 0 < retry_after <= WINDOW
    # The other instance shares the count (it is in PostgreSQL), and so does validateCredentials.
    elsewhere = await instances[1].gql(VALIDATE, {"id": account.id, "password": PASSWORD}, headers=from_address())
    assert codes(elsewhere) == ["RATE_LIMITED"]


async def test_authenticate_and_validate_credentials_share_the_count(instances: list[UsersApi]) -> None:
    api = instances[0]
    account = await api.sign_up("Shared", login=False)
    address = from_address()
    await api.gql(LOGIN, {"id": account.id, "password": WRONG}, headers=address)
    checked = await instances[1].gql(VALIDATE, {"id": account.id, "password": WRONG}, headers=address)
    assert checked["data"]["validateCredentials"]["valid"] is False
    await api.gql(VALIDATE, {"id": account.id, "password": WRONG}, headers=address)
    assert codes(await api.gql(LOGIN, {"id": account.id, "password": PASSWORD}, headers=address)) == ["RATE_LIMITED"]


async def test_a_success_clears_the_accounts_count(instances: list[UsersApi]) -> None:
    api = instances[0]
    account = await api.sign_up("Forgetful", login=False)
    address = from_address()
    for _ in range(PER_ACCOUNT - 1):
        await api.gql(LOGIN, {"id": account.id, "password": WRONG}, headers=address)
    assert (await api.data(LOGIN, {"id": account.id, "password": PASSWORD}, headers=address))["authenticate"]
    for _ in range(PER_ACCOUNT - 1):
        assert codes(await api.gql(LOGIN, {"id": account.id, "password": WRONG}, headers=address)) == [
            "UNAUTHENTICATED"
        ]
    assert (await api.data(LOGIN, {"id": account.id, "password": PASSWORD}, headers=address))["authenticate"]


async def test_an_address_is_rate_limited_across_accounts(instances: list[UsersApi]) -> None:
    api = instances[0]
    address = from_address()
    for _ in range(PER_ADDRESS):  # unknown accounts count like real ones
        body = await api.gql(LOGIN, {"id": str(uuid.uuid4()), "password": WRONG}, headers=address)
        assert codes(body) == ["UNAUTHENTICATED"]
    fresh = await api.sign_up("Innocent", login=False)
    limited = await instances[1].gql(LOGIN, {"id": fresh.id, "password": PASSWORD}, headers=address)
    assert codes(limited) == ["RATE_LIMITED"]
    elsewhere = await api.data(LOGIN, {"id": fresh.id, "password": PASSWORD}, headers=from_address())
    assert elsewhere["authenticate"]["accessToken"]


async def test_unknown_and_known_accounts_are_throttled_alike(instances: list[UsersApi]) -> None:
    api = instances[0]
    known = await api.sign_up("Known", login=False)
    unknown = str(uuid.uuid4())
    answers = []
    for user_id in (known.id, unknown):
        for _ in range(PER_ACCOUNT):
            await api.gql(LOGIN, {"id": user_id, "password": WRONG}, headers=from_address())
        answers.append(await api.gql(LOGIN, {"id": user_id, "password": WRONG}, headers=from_address()))
    assert codes(answers[0]) == ["RATE_LIMITED"]
    assert answers[0]["errors"][0]["message"] == answers[1]["errors"][0]["message"]
    assert codes(answers[1]) == ["RATE_LIMITED"]
