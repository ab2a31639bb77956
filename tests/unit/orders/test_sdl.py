"""The orders subgraph's SDL is the reviewed snapshot (regenerate it on purpose, then review the diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from subgraphs.orders.schema import schema

pytestmark = pytest.mark.orders
SNAPSHOT = Path(__file__).with_name("orders.graphql")


def test_sdl_matches_snapshot() -> None:
    assert schema.as_str().strip() == SNAPSHOT.read_text().strip()


def test_sdl_declares_entities_and_shareable_money() -> None:
    sdl = schema.as_str()
    for line in (
        'type Order @key(fields: "id")',
        'type User @key(fields: "id")',
        'type Product @key(fields: "id")',
        "type Money @shareable",
        "orders(limit: Int! = 20, offset: Int! = 0): OrderPage!",
    ):
        assert line in sdl
