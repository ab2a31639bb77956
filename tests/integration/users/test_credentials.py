"""Logging in, refresh token rotation and reuse, concurrent refreshes, enumeration, credential checks."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest

from servicekit.auth import TokenVerifier
from tests.integration.users.conftest import LOGIN, PASSWORD, VALIDATE, Account, UsersApi, codes

pytestmark = [pytest.mark.users, pytest.mark.integration]

ME = "{ me { id } }"


async def test_a_password_login_returns_signed_access_and_refresh_tokens(api: UsersApi) -> None:
    account = await api.sign_up("Login", login=False)
    payload = await api.login(account)
    assert payload["tokenType"] == "Bearer"
    assert payload["expiresIn"] == 900
    assert len(payload["refreshToken"]) >= 40
    assert "." not in payload["refreshToken"]  # opaque, not a JWT

    header = jwt.get_unverified_header(payload["accessToken"])
    claims = jwt.decode(payload["accessToken"], options={"verify_signature": False})
    assert header["alg"] == "EdDSA"
    assert set(claims) >= {"iss", "aud", "sub", "exp", "iat", "jti", "role"}
    assert (claims["sub"], claims["role"], claims["iss"], claims["aud"]) == (
        account.id,
        "USER",
        "marketplace-users",
        "marketplace",
    )
    assert claims["exp"] - claims["iat"] == 900

    jwks = (await api.client.get("/.well-known/jwks.json")).json()
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert all("d" not in key for key in jwks["keys"])  # public halves only

    # Any other service verifies it with the shared module against the published JWKS, over HTTP.
    verifier = TokenVerifier(
        issuer="marketplace-users",
        audience="marketplace",
        jwks_url=str(api.client.base_url.join("/.well-known/jwks.json")),
    )
    principal = await verifier.verify(payload["accessToken"])
    assert (principal.user_id, principal.role) == (account.id, "USER")
    assert (await api.data(ME, headers=account.headers))["me"]["id"] == account.id


async def test_authenticate_takes_exactly_one_of_password_and_refresh_token(api: UsersApi) -> None:
    account = await api.sign_up("Exactly")
    neither = await api.gql(LOGIN, {"id": account.id})
    both = await api.gql(LOGIN, {"id": account.id, "password": PASSWORD, "refreshToken": account.refresh_token})
    assert codes(neither) == ["BAD_USER_INPUT"]
    assert codes(both) == ["BAD_USER_INPUT"]


async def test_an_unknown_account_answers_exactly_like_a_wrong_password(api: UsersApi) -> None:
    account = await api.sign_up("Probed", login=False)
    wrong = await api.gql(LOGIN, {"id": account.id, "password": "not the password at all"})
    unknown = await api.gql(LOGIN, {"id": str(uuid.uuid4()), "password": "not the password at all"})
    malformed = await api.gql(LOGIN, {"id": "no-such-thing", "password": "not the password at all"})
    assert codes(wrong) == ["UNAUTHENTICATED"]
    assert wrong == unknown == malformed  # same body: message, code, path, locations

    deleted = await api.sign_up("Deleted")
    await api.data("mutation($id: ID!) { deleteUser(id: $id) }", {"id": deleted.id}, headers=deleted.headers)
    assert await api.gql(LOGIN, {"id": deleted.id, "password": "not the password at all"}) == wrong

    checks = [
        await api.gql(VALIDATE, {"id": account.id, "password": "not the password at all"}),
        await api.gql(VALIDATE, {"id": str(uuid.uuid4()), "password": "not the password at all"}),
    ]
    assert checks[0] == checks[1] == {"data": {"validateCredentials": {"valid": False, "expiresAt": None}}}


async def test_a_refresh_token_rotates_on_every_use(api: UsersApi) -> None:
    account = await api.sign_up("Rotate")
    first = account.refresh_token
    second = (await api.data(LOGIN, {"id": account.id, "refreshToken": first}))["authenticate"]
    assert second["refreshToken"] != first
    assert second["accessToken"]
    third = (await api.data(LOGIN, {"id": account.id, "refreshToken": second["refreshToken"]}))["authenticate"]
    assert third["refreshToken"] not in {first, second["refreshToken"]}
    me = await api.data(ME, headers={"Authorization": f"Bearer {third['accessToken']}"})
    assert me["me"]["id"] == account.id


async def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(api: UsersApi) -> None:
    account = await api.sign_up("Reuse")
    other_session = await api.login(Account(account.id, account.email, account.name, account.password))
    stolen = account.refresh_token
    successor = (await api.data(LOGIN, {"id": account.id, "refreshToken": stolen}))["authenticate"]["refreshToken"]

    replay = await api.gql(LOGIN, {"id": account.id, "refreshToken": stolen})
    assert codes(replay) == ["UNAUTHENTICATED"]
    # The legitimate successor died with its family...
    assert codes(await api.gql(LOGIN, {"id": account.id, "refreshToken": successor})) == ["UNAUTHENTICATED"]
    # ...but a session started by another login (another family) lives on.
    still = await api.data(LOGIN, {"id": account.id, "refreshToken": other_session["refreshToken"]})
    assert still["authenticate"]["refreshToken"]


async def test_two_concurrent_refreshes_with_one_token_at_most_one_wins(api: UsersApi) -> None:
    account = await api.sign_up("Race")
    url = str(api.client.base_url)

    async def refresh() -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:  # separate connections
            body = {"query": LOGIN, "variables": {"id": account.id, "refreshToken": account.refresh_token}}
            response = await client.post("/graphql", json=body)
            result: dict[str, Any] = response.json()
            return result

    results = await asyncio.gather(*(refresh() for _ in range(4)))
    winners = [result for result in results if "errors" not in result]
    losers = [result for result in results if "errors" in result]
    assert len(winners) == 1  # the first to lock the row spends the token...
    assert all(codes(loser) == ["UNAUTHENTICATED"] for loser in losers)
    # ...and the others look like a replay, so the family (the winner's new token included) is revoked.
    successor = winners[0]["data"]["authenticate"]["refreshToken"]
    assert codes(await api.gql(LOGIN, {"id": account.id, "refreshToken": successor})) == ["UNAUTHENTICATED"]


async def test_a_refresh_token_works_only_for_its_own_account(api: UsersApi) -> None:
    owner = await api.sign_up("Owner")
    other = await api.sign_up("Other")
    assert codes(await api.gql(LOGIN, {"id": other.id, "refreshToken": owner.refresh_token})) == ["UNAUTHENTICATED"]
    assert codes(await api.gql(LOGIN, {"id": owner.id, "refreshToken": "made-up"})) == ["UNAUTHENTICATED"]
    # Presenting it under the wrong account neither spends nor revokes it.
    assert (await api.data(LOGIN, {"id": owner.id, "refreshToken": owner.refresh_token}))["authenticate"]


async def test_validate_credentials_with_a_password(api: UsersApi) -> None:
    account = await api.sign_up("Check", login=False)
    right = await api.data(VALIDATE, {"id": account.id, "password": PASSWORD})
    assert right["validateCredentials"] == {"valid": True, "expiresAt": None}
    wrong = await api.data(VALIDATE, {"id": account.id, "password": "something else entirely"})
    assert wrong["validateCredentials"]["valid"] is False


async def test_validate_credentials_with_tokens(api: UsersApi) -> None:
    account = await api.sign_up("Tokens")
    other = await api.sign_up("Someone")
    access = (await api.data(VALIDATE, {"id": account.id, "token": account.access_token}))["validateCredentials"]
    assert access["valid"] is True
    claims = jwt.decode(account.access_token, options={"verify_signature": False})
    assert datetime.fromisoformat(access["expiresAt"]) == datetime.fromtimestamp(claims["exp"], UTC)
    from_header = await api.data(VALIDATE, {"id": account.id}, headers=account.headers)
    assert from_header["validateCredentials"]["valid"] is True
    refresh = (await api.data(VALIDATE, {"id": account.id, "token": account.refresh_token}))["validateCredentials"]
    assert refresh["valid"] is True
    assert refresh["expiresAt"] is not None
    # Checking a refresh token does not spend it.
    assert (await api.data(LOGIN, {"id": account.id, "refreshToken": account.refresh_token}))["authenticate"]

    for token in (other.access_token, "garbage", "a.b.c"):
        result = await api.data(VALIDATE, {"id": account.id, "token": token})
        assert result["validateCredentials"] == {"valid": False, "expiresAt": None}
    assert codes(await api.gql(VALIDATE, {"id": account.id})) == ["BAD_USER_INPUT"]
