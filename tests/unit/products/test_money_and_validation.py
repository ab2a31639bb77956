"""Prices, currencies and the input rules of the products subgraph."""

from __future__ import annotations

import pytest

from servicekit.errors import BadUserInput
from subgraphs.products.money import MINOR_UNITS, validate_currency, validate_price
from subgraphs.products.service.validation import (
    parse_id,
    validate_changes,
    validate_filter,
    validate_new_product,
    validate_page,
)

pytestmark = pytest.mark.products


def test_currencies_are_iso_4217_codes_with_their_minor_units() -> None:
    assert (MINOR_UNITS["EUR"], MINOR_UNITS["JPY"], MINOR_UNITS["KWD"]) == (2, 0, 3)
    assert validate_currency(" usd ") == "USD"
    for bad in ("EURO", "XXX", "XAU", "", "€"):
        with pytest.raises(BadUserInput):
            validate_currency(bad)


def test_prices_are_whole_minor_units_within_graphql_int() -> None:
    assert validate_price(0, "EUR").amount == 0
    with pytest.raises(BadUserInput) as negative:
        validate_price(-1, "EUR")
    assert negative.value.extensions["field"] == "price.amount"
    with pytest.raises(BadUserInput):
        validate_price(2**31, "EUR")


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (101, 0), (20, -1)])
def test_pages_out_of_range_are_refused(limit: int, offset: int) -> None:
    with pytest.raises(BadUserInput):
        validate_page(limit, offset)


def test_page_defaults_stand_in_for_null() -> None:
    assert validate_page(None, None) == (20, 0)
    assert validate_page(100, 5) == (100, 5)


def test_new_products_are_trimmed_and_checked() -> None:
    new = validate_new_product(name=" Lamp ", description=" d ", category=" home ", amount=5, currency="eur", stock=0)
    assert (new.name, new.description, new.category, new.price.currency) == ("Lamp", "d", "home", "EUR")
    with pytest.raises(BadUserInput):
        validate_new_product(name="Lamp", description="", category="home", amount=5, currency="EUR", stock=-1)


def test_changes_need_at_least_one_field() -> None:
    with pytest.raises(BadUserInput):
        validate_changes()
    assert validate_changes(description="").description == ""


def test_filters_check_price_bounds_and_spot_impossible_sellers() -> None:
    with pytest.raises(BadUserInput):
        validate_filter(min_price=5, max_price=4)
    criteria, matchable = validate_filter(q="  ", seller_id="not-a-uuid", category=" Home ")
    assert (criteria.q, criteria.category, matchable) == (None, "Home", False)
    assert parse_id("0b0e8a8e-4b61-4c39-9f3c-0a4c5e0c1d2f") is not None
    assert parse_id("0b0e8a8e") is None
