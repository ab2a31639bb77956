"""``@defer`` splitting: the primary operation and one operation per deferred fragment, as printed text."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode, parse, print_ast

from router.execution.defer import has_defer, split_defer, strip_defer

pytestmark = pytest.mark.router

QUERY = """
query Q($id: ID!, $late: Boolean!) {
  products { id ... @defer(label: "price") { price } }
  product(id: $id) { name ...Seller @defer(if: $late) }
}
fragment Seller on Product { seller { name } }
"""


def _split(variables: dict[str, object]) -> tuple[str, list[tuple[str | None, tuple[str, ...], str]]]:
    document = parse(QUERY)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    split = split_defer(document, operation, variables)
    return print_ast(split.primary), [(p.label, p.path, print_ast(p.document)) for p in split.parts]


def test_each_deferred_fragment_is_an_operation_over_its_ancestors() -> None:
    primary, parts = _split({"late": True})
    assert primary == "query Q($id: ID!) {\n  products {\n    id\n  }\n  product(id: $id) {\n    name\n  }\n}"
    assert parts[0][:2] == ("price", ("products",))
    assert parts[0][2] == "query Q {\n  products {\n    ... {\n      price\n    }\n  }\n}"
    assert parts[1][:2] == (None, ("product",))
    assert parts[1][2] == (
        "query Q($id: ID!) {\n  product(id: $id) {\n    ... on Product {\n      seller {\n        name\n"
        "      }\n    }\n  }\n}"
    )


def test_defer_if_false_stays_in_the_primary_part() -> None:
    primary, parts = _split({"late": False})
    assert [label for label, _, _ in parts] == ["price"]
    assert "seller" in primary
    assert "$late" not in primary  # only @defer(if:) used it: an unused variable would fail validation


def test_strip_defer_keeps_every_field_and_drops_the_directive() -> None:
    stripped = print_ast(strip_defer(parse(QUERY)))
    assert "@defer" not in stripped
    assert "price" in stripped
    assert "...Seller" in stripped
    assert "$late" not in stripped
    assert has_defer(parse(QUERY))
    assert not has_defer(parse(stripped))
