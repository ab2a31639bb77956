"""Subgraphs as Strawberry prints them (``schema @link(...)``, ``_entities``/``_service``, ``_Any``):
the marketplace's own shape, User/Product/Order across three subgraphs, composed by us and by Apollo."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from strawberry.federation import Schema
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet

from router.compose import SubgraphInput, compose
from tests.unit.router.compose.support import api_schema, apollo_compose_batch, as_inputs, join_metadata

pytestmark = pytest.mark.router


# --- users ---
@strawberry.enum(name="Role")
class Role(enum.Enum):
    ADMIN = "ADMIN"
    CUSTOMER = "CUSTOMER"


@strawberry.federation.type(keys=["id"], name="User", description="An account.")
class UsersUser:
    id: strawberry.ID
    name: str
    role: Role
    email: str = strawberry.federation.field(inaccessible=True)


@strawberry.type(name="Query")
class UsersQuery:
    @strawberry.field
    def me(self) -> UsersUser | None:
        return None


# --- products ---
@strawberry.federation.type(keys=["id"], name="User")
class ProductsUser:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"], name="Product")
class Product:
    id: strawberry.ID
    name: str
    seller: ProductsUser
    stock: int


@strawberry.input(name="ProductFilter")
class ProductFilter:
    search: str | None = None
    limit: int = 20


@strawberry.type(name="Query")
class ProductsQuery:
    @strawberry.field
    def products(self, filter: ProductFilter | None = None) -> list[Product]:
        return []


# --- orders ---
@strawberry.enum(name="OrderStatus")
class OrderStatus(enum.Enum):
    PENDING = "PENDING"
    CONFIRMED = "CONFIRMED"


@strawberry.federation.type(keys=[Key(fields=FieldSet("id"), resolvable=False)], name="Product")
class OrdersProduct:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"], name="Order")
class Order:
    id: strawberry.ID
    status: OrderStatus
    products: list[OrdersProduct]


@strawberry.federation.type(keys=["id"], name="User")
class OrdersUser:
    id: strawberry.ID

    @strawberry.field
    def orders(self) -> list[Order]:
        return []


@strawberry.input(name="PlaceOrderInput")
class PlaceOrderInput:
    product_ids: list[strawberry.ID]
    idempotency_key: str


@strawberry.type(name="Query")
class OrdersQuery:
    @strawberry.field
    def order(self, id: strawberry.ID) -> Order | None:
        return None


@strawberry.type(name="Mutation")
class OrdersMutation:
    @strawberry.mutation
    def place_order(self, input: PlaceOrderInput) -> Order:
        raise NotImplementedError


def _subgraphs() -> list[tuple[str, str]]:
    return [
        ("users", str(Schema(query=UsersQuery, types=[UsersUser]).as_str())),
        ("products", str(Schema(query=ProductsQuery, types=[Product, ProductsUser]).as_str())),
        ("orders", str(Schema(query=OrdersQuery, mutation=OrdersMutation, types=[OrdersUser]).as_str())),
    ]


def test_strawberry_marketplace_matches_apollo() -> None:
    # given the three subgraphs' SDL exactly as Strawberry serves it from _service { sdl }
    subgraphs = _subgraphs()
    assert all("_entities" in sdl and "schema @link(" in sdl for _, sdl in subgraphs)
    reference: dict[str, Any] = apollo_compose_batch({"marketplace": subgraphs})["marketplace"]
    assert "errors" not in reference, reference.get("errors")
    # when we compose them
    result = compose([SubgraphInput(**s) for s in as_inputs(subgraphs)])
    # then the supergraph is Apollo's, without the subgraphs' gateway machinery
    assert result.errors == []
    assert result.supergraph_sdl is not None
    assert api_schema(result.supergraph_sdl) == api_schema(reference["supergraphSdl"])
    assert join_metadata(result.supergraph_sdl) == join_metadata(reference["supergraphSdl"])
    assert "_entities" not in result.supergraph_sdl
    assert "_Any" not in result.supergraph_sdl
