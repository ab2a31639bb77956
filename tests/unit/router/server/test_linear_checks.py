"""The pre-execution checks cost time linear in the document: attacks are refused with their code,
and the number of selections the checks visit stays within a constant factor of the tokens."""

from __future__ import annotations

import pytest
from graphql import Source, build_schema
from graphql.language import Lexer, TokenKind
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.server.config import LimitsConfig
from router.server.errors import OperationRefused
from router.server.limits import Visits
from router.server.operation_check import OperationChecker

pytestmark = pytest.mark.router
SCHEMA = build_schema("type Query { a: A b: Int } type A { a: A d: A b: Int c: Int }")


def tokens(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def refusal(query: str, **limits: int | None) -> tuple[str | None, int]:
    """The code the checker refuses ``query`` with (``None`` when accepted) and the selections it visited."""
    checker = OperationChecker(SCHEMA, LimitsConfig(**limits), introspection=False)
    Visits.reset()
    try:
        checker.check(query)
    except OperationRefused as refused:
        return refused.errors[0]["extensions"]["code"], Visits.reset()
    return None, Visits.reset()


def bomb(depth: int, width: int) -> str:
    """Fragment F0 spreads F1 ``width`` times, F1 spreads F2 ``width`` times...: width**depth leaves."""
    fragments = "".join(f"fragment F{i} on A {{ {f' ...F{i + 1}' * width} }}\n" for i in range(depth))
    return "{ a { ...F0 } }\n" + fragments + f"fragment F{depth} on A {{ b }}"


@pytest.mark.parametrize("depth", [10, 20, 30, 40])
@pytest.mark.parametrize("width", [2, 4, 8])
def test_fragment_bombs_are_refused_after_one_walk_of_each_fragment(depth: int, width: int) -> None:
    query = bomb(depth, width)
    code, visits = refusal(query)
    assert code == "MAX_RECURSIVE_SELECTIONS_LIMIT"
    assert visits <= 2 * tokens(query)
    # Even with the selection count off, every other limit walk expands each fragment once.
    code, visits = refusal(query, max_recursive_selections=None, max_height=None)
    assert code is None  # 2**40 leaves, yet only one unique field below `a` and no aliases
    assert visits <= 6 * tokens(query)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ a { " + " ".join(f"x{i}: b" for i in range(150)) + " } }", "MAX_ALIASES_LIMIT"),
        ("{ a { b" + " @skip(if: false)" * 150 + " } }", "MAX_DIRECTIVES_LIMIT"),
        ("{ a { " + "b " * 2000 + "} }", "MAX_RECURSIVE_SELECTIONS_LIMIT"),
        ("{ " + " ".join(f"r{i}: b" for i in range(30)) + " }", "MAX_ROOT_FIELDS_LIMIT"),
        ("{ a " + "{ a " * 20 + "{ b }" + " }" * 20 + " }", "MAX_DEPTH_LIMIT"),
        ("{ a { ...D } } fragment D on A { c" + " @include(if: true)" * 60 + " }", None),
        ("{ a { ...D ...D } } fragment D on A { c" + " @include(if: true)" * 60 + " }", "MAX_DIRECTIVES_LIMIT"),
        ("{ a { ...X } } fragment X on A { ...Y } fragment Y on A { ...X }", "GRAPHQL_VALIDATION_FAILED"),
        ('{ a(s: "\\u0000") { b } }', "BAD_USER_INPUT"),
        ("{ " + "a { " * 120 + "b" + " }" * 120 + " }", "GRAPHQL_PARSE_FAILED"),
    ],
    ids=[
        "aliases",
        "directives",
        "fields",
        "root-fields",
        "depth",
        "directives-once",
        "directives-twice",
        "cycle",
        "nul-literal",
        "nesting",
    ],
)
def test_floods_are_refused_with_their_code(query: str, code: str | None) -> None:
    assert refusal(query)[0] == code


def test_the_first_refusal_stops_the_other_checks() -> None:
    # 2000 duplicated aliased fields: over the selection count *and* the alias limit; only the first runs.
    query = "{ a { " + "x: b " * 2000 + "} }"
    checker = OperationChecker(SCHEMA, LimitsConfig(), introspection=False)
    with pytest.raises(OperationRefused) as refused:
        checker.check(query)
    assert [e["extensions"]["code"] for e in refused.value.errors] == ["MAX_RECURSIVE_SELECTIONS_LIMIT"]


def test_warn_only_lets_limits_pass_but_not_other_refusals() -> None:
    over = "{ a { " + " ".join(f"x{i}: b" for i in range(150)) + " } }"
    assert refusal(over, warn_only=True)[0] is None
    assert refusal("{ a { ...X } } fragment X on A { ...X }", warn_only=True)[0] == "GRAPHQL_VALIDATION_FAILED"


FIELDS = st.sampled_from(["b", "c", "x: b", "y: c", "b @skip(if: false)", "__typename"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    """An operation and up to 12 fragments on ``A``; fragment i spreads only fragments after it (no cycles)."""
    count = draw(st.integers(min_value=0, max_value=12))

    def body(index: int, depth: int) -> str:
        parts: list[str] = []
        for _ in range(draw(st.integers(min_value=1, max_value=5))):
            kind = draw(st.integers(min_value=0, max_value=4))
            later = list(range(index + 1, count))
            if kind == 0 and later:
                parts.append(f"...F{draw(st.sampled_from(later))}")
            elif kind == 1 and depth < 4:
                parts.append(f"{draw(st.sampled_from(['a', 'd', 'z: a']))} {{ {body(index, depth + 1)} }}")
            elif kind == 2 and depth < 4:
                parts.append(f"... on A {{ {body(index, depth + 1)} }}")
            else:
                parts.append(draw(FIELDS))
        return " ".join(parts)

    fragments = "".join(f"fragment F{i} on A {{ {body(i, 0)} }}\n" for i in range(count))
    return "{ a { " + body(-1, 1) + " } }\n" + fragments


@given(documents())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_selections_visited_stay_within_a_constant_factor_of_the_tokens(query: str) -> None:
    # The memoised walks (selections, aliases, root fields, directives, depth, introspection) each
    # visit a selection at most once, even with limits so high that no walk stops early.
    huge = 10**9
    unbounded = {"max_recursive_selections": huge, "max_aliases": huge, "max_directives": huge, "max_depth": huge}
    _code, visits = refusal(query, **unbounded, max_root_fields=huge, max_height=None)
    assert visits <= 8 * tokens(query)
    # The unique-field walk expands a fragment once per position, so its bound is the height limit:
    # it stops at 20 positions here.
    _code, visits = refusal(query, **unbounded, max_height=20)
    assert visits <= 8 * tokens(query) + 21 * tokens(query)
