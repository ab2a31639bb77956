"""Validation, idempotency fingerprints and the state machine, without any server."""

from __future__ import annotations

import uuid

import pytest

from servicekit.errors import BadUserInput
from subgraphs.orders.domain import CANCELLABLE, REQUESTABLE, TRANSITIONS, Actor, ItemRequest, Status, TrackingInfo
from subgraphs.orders.stock import StockUnavailable, parse_reservation
from subgraphs.orders.validation import order_id_for, validate_order, validate_tracking

pytestmark = pytest.mark.orders
P1, P2 = str(uuid.uuid4()), str(uuid.uuid4())


def test_fingerprint_ignores_item_order_but_not_quantities() -> None:
    one = validate_order([ItemRequest(P1, 1), ItemRequest(P2, 2)], " 1 Main St ")
    two = validate_order([ItemRequest(P2, 2), ItemRequest(P1, 1)], "1 Main St")
    three = validate_order([ItemRequest(P2, 3), ItemRequest(P1, 1)], "1 Main St")
    assert one.fingerprint() == two.fingerprint() != three.fingerprint()


def test_order_id_follows_buyer_and_key() -> None:
    assert order_id_for("u1", "k") == order_id_for("u1", "k")
    assert order_id_for("u1", "k") != order_id_for("u2", "k")
    assert order_id_for("u1", None) != order_id_for("u1", None)


@pytest.mark.parametrize(
    ("items", "address", "field"),
    [
        ([], "a", "items"),
        ([ItemRequest(P1, 1)] * 2, "a", "items.1.productId"),
        ([ItemRequest(P1, 1001)], "a", "items.0.quantity"),
        ([ItemRequest("x", 1)], "a", "items.0.productId"),
        ([ItemRequest(P1, 1)], "", "shippingAddress"),
        ([ItemRequest(P1, 1)], "x" * 1001, "shippingAddress"),
    ],
)
def test_bad_orders_name_their_field(items: list[ItemRequest], address: str, field: str) -> None:
    with pytest.raises(BadUserInput) as raised:
        validate_order(items, address)
    assert raised.value.extensions["field"] == field


def test_tracking_url_must_be_http() -> None:
    with pytest.raises(BadUserInput):
        validate_tracking(TrackingInfo("DHL", "1", "javascript:alert(1)"))
    assert validate_tracking(TrackingInfo(" DHL ", " 1 ", None)).carrier == "DHL"


def test_state_machine() -> None:
    assert {Status.PENDING, Status.CONFIRMED, Status.PAID} == CANCELLABLE
    assert Status.CONFIRMED not in REQUESTABLE
    assert Status.REJECTED not in REQUESTABLE
    assert Actor.BUYER not in TRANSITIONS[(Status.PAID, Status.SHIPPED)]
    assert (Status.SHIPPED, Status.CANCELLED) not in TRANSITIONS


def test_parse_reservation_reads_the_products_contract() -> None:
    price = {"amount": 100, "currency": "EUR"}
    rejected = parse_reservation(
        {
            "status": "REJECTED",
            "items": [
                {"productId": P1, "outcome": "NOT_RESERVED", "unitPrice": price, "sellerId": "s", "productName": "a"},
                {"productId": P2, "outcome": "REJECTED", "reason": "OUT_OF_STOCK"},
            ],
        }
    )
    assert [line.rejection for line in rejected.lines] == [None, "OUT_OF_STOCK"]
    reserved = parse_reservation(
        {"status": "RESERVED", "items": [{"productId": P1, "outcome": "RESERVED", "unitPrice": price}]}
    )
    assert reserved.rejected == []
    with pytest.raises(StockUnavailable):
        parse_reservation({"status": "RELEASED", "items": []})
