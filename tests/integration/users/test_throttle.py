"""Failed password attempts are throttled per account, per address and per pair, across instances.

The client's address is the one the router signs into its service token: the tests mint such
tokens, and check that a header a client sets (``X-Forwarded-For``) is never believed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from servicekit.internal import HEADER, internal_secret, mint_service_token
from tests.integration.users.conftest import (
    LOGIN,
    PASSWORD,
    SIGN_UP,
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
PER_PAIR = 4
WRONG = "definitely not the password"


SECRET: list[str] = []  # the instances' internal secret, set by the fixture


@pytest.fixture(scope="module")
def throttled_servers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two instances of the users app on one database, with small limits."""
    settings = users_settings(
        database_url,
        Path(tmp_path_factory.mktemp("throttle")),
        login_window_seconds=WINDOW,
        login_max_failures_per_account=PER_ACCOUNT,
        login_max_failures_per_address=PER_ADDRESS,
        login_max_failures_per_account_and_address=PER_PAIR,
    )
    SECRET[:] = [internal_secret(settings.internal_secret, settings.data_dir)]
    with running_users_app(settings) as (_, first), running_users_app(settings) as (_, second):
        yield [first, second]


@pytest_asyncio.fixture(loop_scope="session")
async def instances(throttled_servers: list[str]) -> AsyncIterator[list[UsersApi]]:
    async with (
        httpx.AsyncClient(base_url=throttled_servers[0], timeout=30) as one,
        httpx.AsyncClient(base_url=throttled_servers[1], timeout=30) as two,
    ):
        yield [UsersApi(one), UsersApi(two)]


def new_address() -> str:
    """64 random bits in IPv6's documentation prefix (250 IPv4 documentation addresses collided)."""
    suffix = uuid.uuid4().hex[:16]
    return "2001:db8::" + ":".join(suffix[i : i + 4] for i in range(0, 16, 4))


def as_router_for(address: str) -> dict[str, str]:
    """The headers of the router calling for a client at ``address`` (its signed service token)."""
    return {HEADER: mint_service_token(SECRET[0], "router", client=address)}


def from_address() -> dict[str, str]:
    """A client address of its own per call."""
    return as_router_for(new_address())


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


async def sign_up_from(api: UsersApi, address: str, name: str) -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
    created = await api.data(
        SIGN_UP, {"input": {"email": email, "name": name, "password": PASSWORD}}, headers=as_router_for(address)
    )
    return str(created["createUser"]["id"])


async def test_spoofed_addresses_do_not_bypass_the_address_limit(instances: list[UsersApi]) -> None:
    """A new X-Forwarded-For / Forwarded per attempt changes nothing: the address is the token's."""
    api = instances[0]
    client = new_address()
    answers = []
    for attempt in range(PER_ADDRESS + 1):
        spoofed = {
            **as_router_for(client),
            "X-Forwarded-For": f"{new_address()}, 10.0.0.{attempt}",
            "Forwarded": f'for="[{new_address()}]"',
        }
        answers.append(codes(await api.gql(LOGIN, {"id": str(uuid.uuid4()), "password": WRONG}, headers=spoofed)))
    assert answers[:PER_ADDRESS] == [["UNAUTHENTICATED"]] * PER_ADDRESS
    assert answers[PER_ADDRESS] == ["RATE_LIMITED"]


async def test_one_attacker_in_an_office_cannot_lock_the_office_out(instances: list[UsersApi]) -> None:
    api = instances[0]
    office = new_address()
    newcomer = await sign_up_from(api, office, "Newcomer")  # a brand-new account, made at the office
    regular = await sign_up_from(api, new_address(), "Regular")  # made at home, then used at the office
    assert (await api.data(LOGIN, {"id": regular, "password": PASSWORD}, headers=as_router_for(office)))["authenticate"]
    visitor = await sign_up_from(api, new_address(), "Visitor")  # never used at the office
    # The attacker sprays the office's address with failures, far past the per-address limit.
    for _ in range(PER_ADDRESS * 3):
        body = await api.gql(LOGIN, {"id": str(uuid.uuid4()), "password": WRONG}, headers=as_router_for(office))
        assert codes(body) in (["UNAUTHENTICATED"], ["RATE_LIMITED"])
    assert codes(body) == ["RATE_LIMITED"]  # spraying from the office is stopped...
    # ...but the people who work there still log in, on either instance.
    for user_id, instance in ((newcomer, instances[1]), (regular, instances[0])):
        logged = await instance.data(LOGIN, {"id": user_id, "password": PASSWORD}, headers=as_router_for(office))
        assert logged["authenticate"]["accessToken"]
    # The trade-off (docs/users.md): an account never used from there waits, unless it comes from elsewhere.
    waiting = await api.gql(LOGIN, {"id": visitor, "password": PASSWORD}, headers=as_router_for(office))
    assert codes(waiting) == ["RATE_LIMITED"]
    assert (await api.data(LOGIN, {"id": visitor, "password": PASSWORD}, headers=from_address()))["authenticate"]


async def test_a_botnet_cannot_lock_a_user_out_where_the_user_logs_in(instances: list[UsersApi]) -> None:
    api = instances[0]
    home = new_address()
    victim = await sign_up_from(api, home, "Victim")
    for _ in range(PER_ACCOUNT * 3):  # each guess from a new address
        await api.gql(LOGIN, {"id": victim, "password": WRONG}, headers=from_address())
    assert codes(await api.gql(LOGIN, {"id": victim, "password": PASSWORD}, headers=from_address())) == [
        "RATE_LIMITED"
    ]  # guessing the account from anywhere new is stopped...
    logged = await instances[1].data(LOGIN, {"id": victim, "password": PASSWORD}, headers=as_router_for(home))
    assert logged["authenticate"]["accessToken"]  # ...and its owner logs in from home all the same


async def test_guesses_from_a_known_address_are_limited_per_pair(instances: list[UsersApi]) -> None:
    api = instances[0]
    home = new_address()
    user = await sign_up_from(api, home, "Pair")
    for _ in range(PER_PAIR):
        assert codes(await api.gql(LOGIN, {"id": user, "password": WRONG}, headers=as_router_for(home))) == [
            "UNAUTHENTICATED"
        ]
    assert codes(await api.gql(LOGIN, {"id": user, "password": PASSWORD}, headers=as_router_for(home))) == [
        "RATE_LIMITED"
    ]
