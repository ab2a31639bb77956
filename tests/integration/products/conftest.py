"""The products subgraph served over real HTTP on the session's migrated test database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from servicekit.internal import HEADER, mint_service_token
from subgraphs.products.app import create_app
from subgraphs.products.settings import ProductsSettings
from tests.support.servers import serve_app
from tests.support.tokens import TestTokens

INTERNAL_SECRET = "products-tests-internal-secret-0123456789abcdef"


@dataclass
class ProductsApi:
    """A GraphQL client for the products subgraph with token helpers."""

    client: httpx.AsyncClient
    tokens: TestTokens
    app: Starlette
    as_router: bool = True  # send the router's service token, as the router does on every subgraph call

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        payload = {"query": query, "variables": variables or {}}
        sent = {**(self.service("router") if self.as_router else {}), **(headers or {})}
        response = await self.client.post("/graphql", json=payload, headers=sent)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        body = await self.gql(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def user(self, user_id: str, role: str = "USER") -> dict[str, str]:
        return self.tokens.headers(user_id, role)

    def service(self, name: str = "orders") -> dict[str, str]:
        return {HEADER: mint_service_token(INTERNAL_SECRET, name)}


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def new_id() -> str:
    return str(uuid.uuid4())


CREATE = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) {
    id name description category stock price { amount currency } seller { id } createdAt updatedAt
  }
}
"""


async def create_product(api: ProductsApi, seller: str, **fields: Any) -> dict[str, Any]:
    product_input = {
        "name": "Walnut desk lamp",
        "description": "A warm light for late reading",
        "category": "home",
        "price": {"amount": 4999, "currency": "EUR"},
        "stock": 10,
        **fields,
    }
    data = await api.data(CREATE, {"input": product_input}, headers=api.user(seller))
    product: dict[str, Any] = data["createProduct"]
    return product


@pytest.fixture(scope="session")
def products_tokens() -> TestTokens:
    return TestTokens()


@pytest.fixture(scope="session")
def products_settings(database_url: str, data_dir: Path) -> ProductsSettings:
    return ProductsSettings(database_url=database_url, data_dir=data_dir, internal_secret=INTERNAL_SECRET)


@pytest.fixture(scope="session")
def products_app(products_settings: ProductsSettings, products_tokens: TestTokens) -> Starlette:
    return create_app(products_settings, verifier=products_tokens.verifier())


@pytest.fixture(scope="session")
def products_url(products_app: Starlette) -> Iterator[str]:
    with serve_app(products_app) as url:
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def api(products_url: str, products_app: Starlette, products_tokens: TestTokens) -> AsyncIterator[ProductsApi]:
    async with httpx.AsyncClient(base_url=products_url, timeout=60) as client:
        yield ProductsApi(client, products_tokens, products_app)
