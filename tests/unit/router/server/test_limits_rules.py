"""The operation-limit rules, one by one, through graphql-core's validation."""

from __future__ import annotations

import pytest
from graphql import build_schema, parse, validate

from router.server.config import LimitsConfig
from router.server.limits import LexicalLimitError, check_lexical_limits, limit_rules

pytestmark = pytest.mark.router
SCHEMA = build_schema("type Query { a: A b: Int } type A { a: A b: Int c: Int }")


def codes(query: str, **limits: int | None) -> list[str]:
    config = LimitsConfig(
        **{
            "max_depth": None,
            "max_height": None,
            "max_aliases": None,
            "max_root_fields": None,
            "max_recursive_selections": None,
            **limits,
        }
    )
    return [e.extensions["code"] for e in validate(SCHEMA, parse(query), limit_rules(config)) if e.extensions]


def test_depth_counts_fields_through_fragments() -> None:
    query = "{ a { ...F } } fragment F on A { a { ... on A { b } } }"
    assert codes(query, max_depth=3) == []
    assert codes(query, max_depth=2) == ["MAX_DEPTH_LIMIT"]


def test_depth_ignores_introspection() -> None:
    assert codes("{ __schema { types { fields { type { ofType { name } } } } } }", max_depth=2) == []


def test_height_counts_unique_fields_once() -> None:
    assert codes("{ a { b b c: b } b }", max_height=3) == []
    assert codes("{ a { b c } b }", max_height=3) == ["MAX_HEIGHT_LIMIT"]


def test_aliases_count_every_fragment_use() -> None:
    query = "{ a { ...F } x: a { ...F } } fragment F on A { y: b }"
    assert codes(query, max_aliases=3) == []
    assert codes(query, max_aliases=2) == ["MAX_ALIASES_LIMIT"]


def test_root_fields_count_through_fragments() -> None:
    assert codes("{ b ...R } fragment R on Query { x: b }", max_root_fields=2) == []
    assert codes("{ b ...R } fragment R on Query { x: b y: b }", max_root_fields=2) == ["MAX_ROOT_FIELDS_LIMIT"]


def test_recursive_selections_stop_fragment_bombs() -> None:
    fragments = "".join(f"fragment F{i} on A {{ ...F{i + 1} ...F{i + 1} a {{ b }} }}\n" for i in range(30))
    query = "{ a { ...F0 } }\n" + fragments + "fragment F30 on A { b }"
    assert codes(query, max_recursive_selections=1000) == ["MAX_RECURSIVE_SELECTIONS_LIMIT"]


def test_cycles_are_reported_without_looping() -> None:
    query = "{ a { ...X } } fragment X on A { a { ...Y } } fragment Y on A { ...X }"
    found = codes(query, max_depth=10, max_height=10, max_aliases=10, max_recursive_selections=100)
    assert found == []  # the cycle rule has no code; the limit rules stay quiet and terminate
    assert validate(SCHEMA, parse(query), limit_rules(LimitsConfig()))[0].message.startswith("Cannot spread fragment")


def test_lexical_limits() -> None:
    check_lexical_limits("{ a { b } }", max_tokens=6, max_recursion=2)
    with pytest.raises(LexicalLimitError, match="Token limit"):
        check_lexical_limits("{ a { b } }", max_tokens=5, max_recursion=2)
    with pytest.raises(LexicalLimitError, match="Recursion limit"):
        check_lexical_limits("{ a { b } }", max_tokens=6, max_recursion=1)
    check_lexical_limits('{ a(s: "unterminated) }', max_tokens=10, max_recursion=3)  # left to the parser
