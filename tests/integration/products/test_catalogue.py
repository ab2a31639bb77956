"""Creating, reading, changing and deleting products, and who may do it."""

from __future__ import annotations

import pytest

from tests.integration.products.conftest import CREATE, ProductsApi, create_product, error_codes, new_id

pytestmark = [pytest.mark.products, pytest.mark.integration]

PRODUCT = """
query Product($id: ID!) {
  product(id: $id) { id name description category stock price { amount currency } seller { id } updatedAt }
}
"""
UPDATE = """
mutation Update($id: ID!, $input: UpdateProductInput!) {
  updateProduct(id: $id, input: $input) { id name description category stock price { amount currency } updatedAt }
}
"""
DELETE = "mutation Delete($id: ID!) { deleteProduct(id: $id) }"
ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id name price { amount currency } } }
}
"""


async def test_the_caller_becomes_the_seller(api: ProductsApi) -> None:
    seller = new_id()
    created = await create_product(api, seller, name="  Oak side table ", price={"amount": 12900, "currency": "eur"})
    assert created["seller"] == {"id": seller}
    assert created["name"] == "Oak side table"
    assert created["price"] == {"amount": 12900, "currency": "EUR"}
    assert created["createdAt"].endswith("+00:00")

    read = await api.data(PRODUCT, {"id": created["id"]})
    assert read["product"]["name"] == "Oak side table"
    assert read["product"]["seller"] == {"id": seller}


async def test_creating_needs_a_caller(api: ProductsApi) -> None:
    body = await api.gql(CREATE, {"input": {"name": "x", "category": "c", "price": {"amount": 1, "currency": "EUR"}}})
    assert error_codes(body) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "   "}, "name"),
        ({"price": {"amount": -1, "currency": "EUR"}}, "price.amount"),
        ({"price": {"amount": 100, "currency": "EURO"}}, "price.currency"),
        ({"price": {"amount": 100, "currency": "XYZ"}}, "price.currency"),
        ({"stock": -3}, "stock"),
        ({"category": ""}, "category"),
        ({"name": "n" * 201}, "name"),
    ],
)
async def test_bad_product_input_is_refused(api: ProductsApi, fields: dict[str, object], field: str) -> None:
    product_input = {"name": "Lamp", "category": "home", "price": {"amount": 100, "currency": "EUR"}, **fields}
    body = await api.gql(CREATE, {"input": product_input}, headers=api.user(new_id()))
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_the_seller_changes_some_fields_or_all(api: ProductsApi) -> None:
    seller = new_id()
    created = await create_product(api, seller)
    partial = await api.data(UPDATE, {"id": created["id"], "input": {"stock": 3}}, headers=api.user(seller))
    changed = partial["updateProduct"]
    assert changed["stock"] == 3
    assert changed["name"] == created["name"]
    assert changed["price"] == created["price"]
    assert changed["updatedAt"] >= created["updatedAt"]

    full_input = {
        "name": "Brass desk lamp",
        "description": "",
        "category": "lighting",
        "price": {"amount": 100, "currency": "JPY"},
        "stock": 0,
    }
    full = await api.data(UPDATE, {"id": created["id"], "input": full_input}, headers=api.user(seller))
    assert full["updateProduct"] | {"id": None, "updatedAt": None} == full_input | {"id": None, "updatedAt": None}


async def test_others_may_not_change_or_delete_but_admins_may(api: ProductsApi) -> None:
    seller, other, admin = new_id(), new_id(), new_id()
    created = await create_product(api, seller)

    body = await api.gql(UPDATE, {"id": created["id"], "input": {"stock": 0}}, headers=api.user(other))
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(DELETE, {"id": created["id"]}, headers=api.user(other))
    assert error_codes(body) == ["FORBIDDEN"]
    body = await api.gql(UPDATE, {"id": created["id"], "input": {"stock": 0}})
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert (await api.data(PRODUCT, {"id": created["id"]}))["product"]["stock"] == created["stock"]

    upper = await api.data(UPDATE, {"id": created["id"], "input": {"stock": 2}}, headers=api.user(seller.upper()))
    assert upper["updateProduct"]["stock"] == 2  # the same account, whatever the case of its id

    by_admin = await api.data(UPDATE, {"id": created["id"], "input": {"stock": 1}}, headers=api.user(admin, "ADMIN"))
    assert by_admin["updateProduct"]["stock"] == 1
    assert (await api.data(DELETE, {"id": created["id"]}, headers=api.user(admin, "ADMIN")))["deleteProduct"] is True


async def test_update_checks_its_input(api: ProductsApi) -> None:
    seller = new_id()
    created = await create_product(api, seller)
    for product_input, field in (
        ({"name": None}, "input.name"),
        ({"price": {"amount": 5, "currency": "ABC"}}, "price.currency"),
        ({}, "input"),
    ):
        body = await api.gql(UPDATE, {"id": created["id"], "input": product_input}, headers=api.user(seller))
        assert error_codes(body) == ["BAD_USER_INPUT"], product_input
        assert body["errors"][0]["extensions"]["field"] == field
    for missing in (new_id(), "not-an-id"):
        body = await api.gql(UPDATE, {"id": missing, "input": {"stock": 1}}, headers=api.user(seller))
        assert error_codes(body) == ["NOT_FOUND"]


async def test_a_deleted_product_leaves_lists_but_still_resolves_as_an_entity(api: ProductsApi) -> None:
    seller = new_id()
    created = await create_product(api, seller, name="Linen apron", price={"amount": 2500, "currency": "EUR"})
    deleted = await api.data(DELETE, {"id": created["id"]}, headers=api.user(seller))
    assert deleted["deleteProduct"] is True

    assert (await api.data(PRODUCT, {"id": created["id"]}))["product"] is None
    listing = await api.data(
        "query($s: ID) { products(filter: {sellerId: $s}) { totalCount items { id } } }", {"s": seller}
    )
    assert listing["products"] == {"totalCount": 0, "items": []}
    again = await api.gql(DELETE, {"id": created["id"]}, headers=api.user(seller))
    assert error_codes(again) == ["NOT_FOUND"]

    entities = await api.data(ENTITIES, {"representations": [{"__typename": "Product", "id": created["id"]}]})
    assert entities["_entities"] == [
        {"id": created["id"], "name": "Linen apron", "price": {"amount": 2500, "currency": "EUR"}}
    ]


async def test_unknown_and_malformed_ids_read_as_null(api: ProductsApi) -> None:
    assert (await api.data(PRODUCT, {"id": new_id()}))["product"] is None
    assert (await api.data(PRODUCT, {"id": "42"}))["product"] is None
