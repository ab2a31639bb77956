"""The CSRF decision table, without HTTP."""

from __future__ import annotations

import pytest

from router.server.csrf import content_type_essence, is_preflighted

pytestmark = pytest.mark.router
REQUIRED = ("x-apollo-operation-name", "apollo-require-preflight")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"content-type": "text/plain;charset=utf-8"}, False),
        ({"content-type": " MULTIPART/FORM-DATA ; boundary=a"}, False),
        ({"content-type": "application/json"}, True),
        ({"content-type": "image/png"}, True),
        ({"apollo-require-preflight": ""}, True),
        ({"content-type": ""}, False),
    ],
)
def test_is_preflighted(headers: dict[str, str], expected: bool) -> None:
    assert is_preflighted(headers, REQUIRED) is expected


def test_content_type_essence() -> None:
    assert content_type_essence("Application/JSON; charset=utf-8") == "application/json"
    assert content_type_essence(None) is None
