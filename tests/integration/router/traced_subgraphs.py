"""Two small Strawberry subgraphs built with ``create_subgraph_app``, as the real services are.

``users`` owns ``User``; ``products`` returns products whose ``seller`` is a ``User`` reference, so
``{ products { name seller { name } } }`` costs the router a root fetch and an entity fetch.
"""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.applications import Starlette
from strawberry.federation import Schema

from servicekit.app import create_subgraph_app
from servicekit.tracing import TracingSettings

NAMES = {"u1": "Ada", "u2": "Bob"}


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> User:
        return User(id=id, name=NAMES[str(id)])


@strawberry.type
class UsersQuery:
    @strawberry.field
    def users(self) -> list[User]:
        return [User(id=strawberry.ID(key), name=name) for key, name in NAMES.items()]

    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("the users subgraph failed")


@strawberry.federation.type(keys=["id"], name="User")
class UserReference:
    id: strawberry.ID

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> UserReference:
        return UserReference(id=id)


@strawberry.federation.type(keys=["id"])
class Product:
    id: strawberry.ID
    name: str
    seller: UserReference


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def products(self) -> list[Product]:
        return [
            Product(id=strawberry.ID("p1"), name="Table", seller=UserReference(id=strawberry.ID("u1"))),
            Product(id=strawberry.ID("p2"), name="Couch", seller=UserReference(id=strawberry.ID("u2"))),
        ]


async def _context(request: Any, response: Any) -> dict[str, Any]:
    return {"request": request, "response": response}


def users_app(tracing: TracingSettings) -> Starlette:
    schema = Schema(query=UsersQuery, types=[User])
    return create_subgraph_app(service="users", schema=schema, context_getter=_context, tracing=tracing)


def products_app(tracing: TracingSettings) -> Starlette:
    schema = Schema(query=ProductsQuery, types=[Product, UserReference])
    return create_subgraph_app(service="products", schema=schema, context_getter=_context, tracing=tracing)
