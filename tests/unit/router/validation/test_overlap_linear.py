"""The overlapping-fields check works in proportion to the document, counted, not timed: the
fields it visits and compares (``OverlapCheck.work``) stay within a constant factor of the
document's tokens, on same-named field floods (graphql-core compares those pairwise) and on
fragment bombs (fragments spread twice per level, which graphql-core's pairs would expand)."""

from __future__ import annotations

import pytest
from graphql import Source, parse
from graphql.language import Lexer, TokenKind

from router.validation.overlap import find_overlap_conflicts
from tests.unit.router.validation.support import SCHEMA, graphql_core

pytestmark = pytest.mark.router
SIZES = (100, 200, 400, 800)


def tokens(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def work(query: str) -> int:
    check = find_overlap_conflicts(SCHEMA, parse(query))
    assert not check.conflicts, query[:200]
    return check.work


def assert_linear(documents: list[str]) -> None:
    """Work per token stays under a small constant and does not grow with the document."""
    ratios = [work(query) / tokens(query) for query in documents]
    assert max(ratios) <= 8, ratios
    assert ratios[-1] <= ratios[0] * 1.25, ratios


def test_same_named_fields() -> None:
    assert_linear(["{ dog { " + "name " * n + "} }" for n in SIZES])


def test_same_named_fields_with_arguments_and_sub_selections() -> None:
    assert_linear(["{ dog { " + 'friend(complex: {name: "a"}) { name } ' * n + "} }" for n in SIZES])


def test_same_named_fields_under_abstract_and_object_parents() -> None:
    branch = "... on Dog { name friend { name } } ... on Cat { name } ... on Pet { name } name "
    assert_linear(["{ pet { " + branch * (n // 4) + "} }" for n in SIZES])


def test_same_alias_on_many_fields_of_exclusive_parents() -> None:
    branch = "... on IntBox { x: unrelatedField } ... on StringBox { x: otherField } "
    assert_linear(["{ someBox { " + branch * (n // 2) + "} }" for n in SIZES])


def spread_bomb(depth: int, width: int) -> str:
    """Fragment ``Fi`` spreads ``Fi+1`` ``width`` times: ``width ** depth`` leaves once expanded."""
    fragments = "".join(f"fragment F{i} on Dog {{{f' ...F{i + 1}' * width} }}\n" for i in range(depth))
    return "{ dog { ...F0 } }\n" + fragments + f"fragment F{depth} on Dog {{ name }}"


def field_bomb(depth: int, width: int, *, aliased: bool) -> str:
    """Fragment ``Fi`` selects ``friend { ...Fi+1 }`` ``width`` times, under one response name
    (merged: their sub-selections are compared) or under ``width`` aliases."""

    def copies(i: int) -> str:
        return " ".join(f"{f'f{k}: ' if aliased else ''}friend {{ ...F{i + 1} }}" for k in range(width))

    fragments = "".join(f"fragment F{i} on Dog {{ {copies(i)} }}\n" for i in range(depth))
    return "{ dog { ...F0 } }\n" + fragments + f"fragment F{depth} on Dog {{ name }}"


@pytest.mark.parametrize("width", [2, 8])
def test_spread_bombs(width: int) -> None:
    assert_linear([spread_bomb(depth, width) for depth in (10, 20, 40)])


@pytest.mark.parametrize("aliased", [False, True], ids=["merged", "aliased"])
@pytest.mark.parametrize("width", [2, 8])
def test_field_bombs(width: int, aliased: bool) -> None:
    assert_linear([field_bomb(depth, width, aliased=aliased) for depth in (10, 20, 40)])


def test_one_fragment_under_many_aliases() -> None:
    """The fragment is expanded once, not once per field that spreads it."""
    fragment = "fragment F on Dog { " + " ".join(f"n{i}: name" for i in range(200)) + " }"
    assert_linear(
        ["{ dog { " + " ".join(f"a{i}: friend {{ ...F }}" for i in range(n)) + " } } " + fragment for n in SIZES]
    )


def test_the_count_sees_quadratic_work() -> None:
    """The measure can fail: the same fields checked pairwise would be quadratic, and work does
    count every field it collects (each of n fields once per merged set it belongs to)."""
    small, large = work("{ dog { " + "name " * 100 + "} }"), work("{ dog { " + "name " * 800 + "} }")
    assert 6 * small <= large <= 10 * small


def test_one_fragment_next_to_each_fields_own_selections() -> None:
    """Each merged set differs (its own field beside the spread), yet the fragment's fields are
    not walked again for each: only the names it shares with the set are looked up."""
    fragment = "fragment F on Dog { " + " ".join(f"n{i}: name" for i in range(200)) + " }"
    fields = ["{ dog { " + " ".join(f"a{i}: friend {{ x{i}: name ...F }}" for i in range(n)) + " } } " for n in SIZES]
    assert_linear([query + fragment for query in fields])


def test_two_fragments_sharing_a_name_are_compared() -> None:
    """Leaving a fragment's own names out of a merged set must not hide the names two parts share."""
    document = parse("{ dog { ...A x: nickname ...B } } fragment A on Dog { x: name } fragment B on Dog { y: name }")
    check = find_overlap_conflicts(SCHEMA, document)
    assert [c.message for c in check.conflicts] == [e.message for e in graphql_core(document)]
    assert len(check.conflicts) == 1
