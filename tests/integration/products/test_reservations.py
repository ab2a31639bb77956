"""Stock reservations for the order worker: service token, all or nothing, once per order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.products.conftest import ProductsApi, create_product, error_codes, new_id

pytestmark = [pytest.mark.products, pytest.mark.integration]

RESERVE = """
mutation Reserve($order: ID!, $items: [StockReservationItemInput!]!) {
  reserveStock(orderId: $order, items: $items) {
    orderId status replayed stockRestored
    items { productId quantity outcome reason productName sellerId unitPrice { amount currency } available }
  }
}
"""
RELEASE = """
mutation Release($order: ID!) {
  releaseStock(orderId: $order) { orderId status replayed stockRestored items { productId quantity outcome } }
}
"""
STOCK = "query($id: ID!) { product(id: $id) { stock } }"


async def reserve(api: ProductsApi, order: str, *items: tuple[str, int]) -> dict[str, Any]:
    variables = {"order": order, "items": [{"productId": pid, "quantity": qty} for pid, qty in items]}
    result: dict[str, Any] = (await api.data(RESERVE, variables, headers=api.service()))["reserveStock"]
    return result


async def release(api: ProductsApi, order: str) -> dict[str, Any]:
    result: dict[str, Any] = (await api.data(RELEASE, {"order": order}, headers=api.service()))["releaseStock"]
    return result


async def stock(api: ProductsApi, product_id: str) -> int:
    value: int = (await api.data(STOCK, {"id": product_id}))["product"]["stock"]
    return value


async def test_only_the_orders_service_may_reserve(api: ProductsApi) -> None:
    product = await create_product(api, new_id(), stock=5)
    variables = {"order": new_id(), "items": [{"productId": product["id"], "quantity": 1}]}
    for headers in ({}, api.user(new_id(), "ADMIN"), api.service("router"), {"X-Marketplace-Service-Token": "junk"}):
        body = await api.gql(RESERVE, variables, headers=headers)
        assert error_codes(body) == ["UNAUTHENTICATED"], headers
        body = await api.gql(RELEASE, {"order": variables["order"]}, headers=headers)
        assert error_codes(body) == ["UNAUTHENTICATED"], headers
    assert await stock(api, product["id"]) == 5


async def test_a_reservation_reports_price_seller_and_name_at_that_time(api: ProductsApi) -> None:
    seller = new_id()
    product = await create_product(api, seller, name="Cedar box", price={"amount": 1234, "currency": "EUR"}, stock=5)
    order = new_id()
    result = await reserve(api, order, (product["id"], 2))
    assert result == {
        "orderId": order,
        "status": "RESERVED",
        "replayed": False,
        "stockRestored": False,
        "items": [
            {
                "productId": product["id"],
                "quantity": 2,
                "outcome": "RESERVED",
                "reason": None,
                "productName": "Cedar box",
                "sellerId": seller,
                "unitPrice": {"amount": 1234, "currency": "EUR"},
                "available": None,
            }
        ],
    }
    assert await stock(api, product["id"]) == 3


async def test_reserving_and_releasing_twice_changes_stock_once(api: ProductsApi) -> None:
    seller = new_id()
    first = await create_product(api, seller, stock=10)
    second = await create_product(api, seller, stock=4)
    order = new_id()
    items = ((second["id"], 1), (first["id"], 3), (second["id"], 2))  # repeated lines are merged

    reserved = await reserve(api, order, *items)
    assert reserved["status"] == "RESERVED"
    assert [(i["productId"], i["quantity"]) for i in reserved["items"]] == [(second["id"], 3), (first["id"], 3)]
    again = await reserve(api, order, *items)
    assert again["replayed"] is True
    assert again["items"] == reserved["items"]
    assert (await stock(api, first["id"]), await stock(api, second["id"])) == (7, 1)

    released = await release(api, order)
    assert (released["status"], released["stockRestored"], released["replayed"]) == ("RELEASED", True, False)
    twice = await release(api, order)
    assert (twice["status"], twice["stockRestored"], twice["replayed"]) == ("RELEASED", False, True)
    assert (await stock(api, first["id"]), await stock(api, second["id"])) == (10, 4)

    after_release = await reserve(api, order, *items)
    assert (after_release["status"], after_release["replayed"]) == ("RELEASED", True)
    assert (await stock(api, first["id"]), await stock(api, second["id"])) == (10, 4)

    body = await api.gql(
        RESERVE, {"order": order, "items": [{"productId": first["id"], "quantity": 9}]}, headers=api.service()
    )
    assert error_codes(body) == ["CONFLICT"]


async def test_one_short_line_rejects_the_whole_order(api: ProductsApi) -> None:
    seller = new_id()
    plenty = await create_product(api, seller, stock=10)
    scarce = await create_product(api, seller, stock=1)
    order = new_id()
    result = await reserve(api, order, (plenty["id"], 2), (scarce["id"], 2))
    assert result["status"] == "REJECTED"
    outcomes = [(i["productId"], i["outcome"], i["reason"], i["available"]) for i in result["items"]]
    assert outcomes == [
        (plenty["id"], "NOT_RESERVED", None, None),
        (scarce["id"], "REJECTED", "OUT_OF_STOCK", 1),
    ]
    assert (await stock(api, plenty["id"]), await stock(api, scarce["id"])) == (10, 1)

    replay = await reserve(api, order, (plenty["id"], 2), (scarce["id"], 2))
    assert (replay["status"], replay["replayed"]) == ("REJECTED", True)
    released = await release(api, order)
    assert (released["status"], released["stockRestored"]) == ("RELEASED", False)
    assert (await stock(api, plenty["id"]), await stock(api, scarce["id"])) == (10, 1)


async def test_unknown_and_deleted_products_are_named(api: ProductsApi) -> None:
    seller = new_id()
    gone = await create_product(api, seller, stock=3)
    await api.data("mutation($id: ID!) { deleteProduct(id: $id) }", {"id": gone["id"]}, headers=api.user(seller))
    missing = new_id()
    result = await reserve(api, new_id(), (gone["id"], 1), (missing, 1))
    assert result["status"] == "REJECTED"
    assert [(i["productId"], i["reason"]) for i in result["items"]] == [
        (gone["id"], "UNKNOWN_PRODUCT"),
        (missing, "UNKNOWN_PRODUCT"),
    ]


async def test_a_release_before_the_reservation_wins(api: ProductsApi) -> None:
    product = await create_product(api, new_id(), stock=2)
    order = new_id()
    released = await release(api, order)
    assert (released["status"], released["items"], released["stockRestored"]) == ("RELEASED", [], False)
    late = await reserve(api, order, (product["id"], 1))
    assert (late["status"], late["replayed"]) == ("RELEASED", True)
    assert await stock(api, product["id"]) == 2


@pytest.mark.parametrize(("quantity", "field"), [(0, "items.0.quantity"), (-2, "items.0.quantity")])
async def test_bad_reservation_input_is_refused(api: ProductsApi, quantity: int, field: str) -> None:
    product = await create_product(api, new_id(), stock=2)
    items = [{"productId": product["id"], "quantity": quantity}]
    body = await api.gql(RESERVE, {"order": new_id(), "items": items}, headers=api.service())
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == field
    body = await api.gql(RESERVE, {"order": "nope", "items": []}, headers=api.service())
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_200_concurrent_orders_share_50_units_exactly(api: ProductsApi) -> None:
    product = await create_product(api, new_id(), stock=50)

    async def one_order() -> str:
        result = await reserve(api, new_id(), (product["id"], 1))
        status: str = result["status"]
        return status

    statuses = await asyncio.gather(*(one_order() for _ in range(200)))
    assert statuses.count("RESERVED") == 50
    assert statuses.count("REJECTED") == 150
    assert await stock(api, product["id"]) == 0


async def test_concurrent_repeats_of_one_order_reserve_once(api: ProductsApi) -> None:
    product = await create_product(api, new_id(), stock=10)
    order = new_id()
    results = await asyncio.gather(*(reserve(api, order, (product["id"], 3)) for _ in range(20)))
    assert [r["status"] for r in results] == ["RESERVED"] * 20
    assert [r["replayed"] for r in results].count(False) == 1
    assert await stock(api, product["id"]) == 7
    releases = await asyncio.gather(*(release(api, order) for _ in range(20)))
    assert [r["stockRestored"] for r in releases].count(True) == 1
    assert await stock(api, product["id"]) == 10
