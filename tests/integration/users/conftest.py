"""The users subgraph served over real HTTP (uvicorn) on the session's migrated test database."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from servicekit.internal import HEADER, internal_secret, mint_service_token
from subgraphs.users.admin import create_admin
from subgraphs.users.app import create_app
from subgraphs.users.settings import UsersSettings
from tests.support.servers import serve_app

PASSWORD = "correct horse battery staple"

SIGN_UP = """
mutation SignUp($input: CreateUserInput!) {
  createUser(input: $input) { id email name role createdAt updatedAt }
}
"""
LOGIN = """
mutation Login($id: ID!, $password: String, $refreshToken: String) {
  authenticate(userId: $id, password: $password, refreshToken: $refreshToken) {
    accessToken refreshToken tokenType expiresIn
  }
}
"""
VALIDATE = """
mutation Valid($id: ID!, $token: String, $password: String) {
  validateCredentials(userId: $id, token: $token, password: $password) { valid expiresAt }
}
"""


def users_settings(database_url: str, data_dir: Path, **overrides: Any) -> UsersSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "login_max_failures_per_address": 10_000,  # every test calls from 127.0.0.1
        **overrides,
    }
    return UsersSettings(**values)


@dataclass
class Account:
    id: str
    email: str
    name: str
    password: str
    access_token: str = ""
    refresh_token: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


@dataclass
class UsersApi:
    """A GraphQL client of one running users app."""

    client: httpx.AsyncClient
    app: Starlette | None = None
    as_router: bool = True  # send the router's service token, as the router does on every subgraph call

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        payload = {"query": query, "variables": variables or {}}
        sent = {**(router_headers(self.app) if self.as_router and self.app is not None else {}), **(headers or {})}
        response = await self.client.post("/graphql", json=payload, headers=sent)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = await self.gql(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def sign_up(self, name: str = "Ada", *, password: str = PASSWORD, login: bool = True) -> Account:
        email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@Example.com"
        created = await self.data(SIGN_UP, {"input": {"email": email, "name": name, "password": password}})
        account = Account(created["createUser"]["id"], email, name, password)
        if login:
            await self.login(account)
        return account

    async def login(self, account: Account) -> dict[str, Any]:
        data = await self.data(LOGIN, {"id": account.id, "password": account.password})
        payload: dict[str, Any] = data["authenticate"]
        account.access_token = payload["accessToken"]
        account.refresh_token = payload["refreshToken"]
        return payload


def router_headers(app: Starlette) -> dict[str, str]:
    """The router's service token for the secret this app was built with (the data folder's)."""
    settings: UsersSettings = app.state.settings
    secret = internal_secret(settings.internal_secret, settings.data_dir)
    return {HEADER: mint_service_token(secret, "router")}


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


@contextlib.contextmanager
def running_users_app(settings: UsersSettings) -> Iterator[tuple[Starlette, str]]:
    app = create_app(settings)
    with serve_app(app) as url:
        yield app, url


@pytest.fixture(scope="session")
def users_settings_for_tests(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> UsersSettings:
    return users_settings(database_url, tmp_path_factory.mktemp("users-data"))


@pytest.fixture(scope="session")
def users_server(users_settings_for_tests: UsersSettings) -> Iterator[tuple[Starlette, str]]:
    with running_users_app(users_settings_for_tests) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def api(users_server: tuple[Starlette, str]) -> AsyncIterator[UsersApi]:
    app, url = users_server
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        yield UsersApi(client, app)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def admin_account(users_settings_for_tests: UsersSettings, users_server: tuple[Starlette, str]) -> Account:
    """An admin made the only way there is without another admin: the ``create_admin`` function."""
    email = f"admin-{uuid.uuid4().hex[:10]}@example.com"
    user_id = await create_admin(users_settings_for_tests, email=email, name="Admin", password=PASSWORD)
    account = Account(user_id, email, "Admin", PASSWORD)
    async with httpx.AsyncClient(base_url=users_server[1], timeout=30) as client:
        await UsersApi(client, users_server[0]).login(account)
    return account
