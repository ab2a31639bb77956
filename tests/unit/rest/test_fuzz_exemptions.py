"""The schemathesis run's only exemption from positive data acceptance is narrow: two messages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.rest.fuzz import _cross_field_refusal

pytestmark = pytest.mark.router


def refusal(status: int, field: str, message: str, count: int = 1) -> httpx.Response:
    errors: list[dict[str, Any]] = [{"message": message, "extensions": {"code": "BAD_USER_INPUT", "field": field}}]
    return httpx.Response(status, json={"status": status, "errors": errors * count})


def test_only_the_two_cross_field_rules_are_exempt() -> None:
    assert _cross_field_refusal(refusal(422, "filter.minPrice", "minPrice must not be greater than maxPrice"))
    assert _cross_field_refusal(refusal(422, "items.3.productId", "product 1 appears more than once; give each"))
    assert not _cross_field_refusal(refusal(400, "filter.minPrice", "minPrice must not be greater than maxPrice"))
    assert not _cross_field_refusal(refusal(422, "filter.maxPrice", "a price bound must be 0 or more"))
    assert not _cross_field_refusal(refusal(422, "name", "name must not be empty"))
    assert not _cross_field_refusal(refusal(422, "filter.minPrice", "minPrice must not be greater than maxPrice", 2))
    assert not _cross_field_refusal(httpx.Response(422, text="not json"))
