"""Federation entry points over HTTP: ``_service { sdl }`` and batched ``_entities``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from subgraphs.products.schema import schema
from tests.integration.products.conftest import ProductsApi, create_product, error_codes, new_id

pytestmark = [pytest.mark.products, pytest.mark.integration]


@contextlib.contextmanager
def statements_on_products(api: ProductsApi) -> Iterator[list[str]]:
    """Every SQL statement the app sends that reads the products table, while the block runs."""
    engine = api.app.state.products.db.primary.sync_engine
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "products.products" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_service_sdl_is_the_schema(api: ProductsApi) -> None:
    data = await api.data("{ _service { sdl } }")
    assert data["_service"]["sdl"] == schema.as_str()


async def test_fifty_representations_take_one_query(api: ProductsApi) -> None:
    seller = new_id()
    made = [await create_product(api, seller, name=f"Tile {index}") for index in range(50)]
    representations = [{"__typename": "Product", "id": product["id"]} for product in reversed(made)]
    representations.insert(10, {"__typename": "Product", "id": new_id()})
    representations.insert(20, {"__typename": "Product", "id": "not-a-uuid"})
    query = """
    query($reps: [_Any!]!) {
      _entities(representations: $reps) { ... on Product { id name seller { id } price { amount } } }
    }
    """
    with statements_on_products(api) as statements:
        data = await api.data(query, {"reps": representations})
    assert len(statements) == 1, statements
    entities = data["_entities"]
    assert len(entities) == 52
    assert entities[10] is None
    assert entities[20] is None
    found = [entity for entity in entities if entity is not None]
    assert [entity["id"] for entity in found] == [product["id"] for product in reversed(made)]
    assert all(entity["seller"] == {"id": seller} for entity in found)


async def test_user_pages_for_many_users_take_two_queries(api: ProductsApi) -> None:
    sellers = [new_id() for _ in range(5)]
    for seller in sellers:
        await create_product(api, seller)
    query = """
    query($reps: [_Any!]!) {
      _entities(representations: $reps) { ... on User { id products(limit: 5) { totalCount items { id } } } }
    }
    """
    with statements_on_products(api) as statements:
        data = await api.data(query, {"reps": [{"__typename": "User", "id": seller} for seller in sellers]})
    assert len(statements) == 2, statements
    assert [entity["products"]["totalCount"] for entity in data["_entities"]] == [1] * 5


async def test_entities_and_sdl_answer_only_the_router(api: ProductsApi) -> None:
    direct = ProductsApi(api.client, api.tokens, api.app, as_router=False)
    for query in (
        "{ _service { sdl } }",
        '{ _entities(representations: [{__typename: "Product", id: "x"}]) { __typename } }',
    ):
        body = await direct.gql(query)
        assert body["data"] is None
        assert error_codes(body) == ["FORBIDDEN"]
    orders_token = await direct.gql("{ _service { sdl } }", headers=api.service("orders"))
    assert error_codes(orders_token) == ["FORBIDDEN"]  # a valid service token, but not the router's
    assert "errors" not in await direct.gql("{ products(limit: 1) { totalCount } }")
