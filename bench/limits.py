"""How long the router takes to refuse each hostile operation (issue 13's attacks).

Each attack goes through the same checks a request meets before execution, in-process: the
lexical limits, the parser, string literals, the limit rules in order (stopping at the first
refusal), and the variables check. It prints, per attack, the code it is refused with, the best
time over a few runs (the checker's cache is bypassed: a fresh checker per run) and the number of
selections the limit walks visited, next to the document's tokens. The last rows time the router's
full validation (graphql-core's rules with our linear overlapping-fields rule, ``router.validation``)
of the largest document the limits accept, the cost an accepted document still pays, and of one ten
times larger, next to graphql-core's own validation (whose pairwise rule gives up past a budget).

    uv run python bench/limits.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphql import GraphQLError, Source, build_schema, parse  # noqa: E402
from graphql import validate as graphql_validate  # noqa: E402
from graphql.language import Lexer, TokenKind  # noqa: E402

from router.server.config import LimitsConfig  # noqa: E402
from router.server.errors import OperationRefused  # noqa: E402
from router.server.limits import Visits  # noqa: E402
from router.server.operation_check import OperationChecker  # noqa: E402
from router.validation import validate  # noqa: E402
from servicekit.clean_input import InputRefused, check_variables  # noqa: E402

SCHEMA = build_schema(
    "type Query { a(s: String): A b: Int user(id: ID!): A } type A { a: A d: A b: Int c: Int name(s: String): String }"
)
LIMITS = LimitsConfig()


def bomb(depth: int, width: int) -> str:
    fragments = "".join(f"fragment F{i} on A {{ {f' ...F{i + 1}' * width} }}\n" for i in range(depth))
    return "{ a { ...F0 } }\n" + fragments + f"fragment F{depth} on A {{ b }}"


def nested(levels: int, wrap: str) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value] if wrap == "list" else {"a": value}
    return value


def attacks() -> list[tuple[str, str, dict[str, Any] | None]]:
    cases: list[tuple[str, str, dict[str, Any] | None]] = []
    for depth, width in ((10, 2), (20, 2), (29, 2), (40, 2), (10, 8), (40, 8)):
        cases.append((f"fragment bomb {depth} levels x {width}", bomb(depth, width), None))
    cases += [
        ("alias flood (3000 aliases)", "{ a { " + " ".join(f"x{i}: b" for i in range(3000)) + " } }", None),
        ("directive flood (2000 @skip)", "{ a { b" + " @skip(if: false)" * 2000 + " } }", None),
        ("field flood (14000 fields)", "{ a { " + "b " * 14000 + "} }", None),
        ("root field flood (3000)", "{ " + " ".join(f"r{i}: b" for i in range(3000)) + " }", None),
        ("depth 99", "{ " + "a { " * 98 + "b" + " }" * 98 + " }", None),
        ("nesting 5000 (lexer)", "{ " + "a { " * 5000 + "b" + " }" * 5000 + " }", None),
        ("20000 tokens", "{ a { " + "b " * 20000 + "} }", None),
        ("NUL in a string literal", '{ a(s: "x\\u0000") { b } }', None),
        ("variables: list 1000 deep", "query($id: ID!) { user(id: $id) { b } }", {"id": nested(1000, "list")}),
        ("variables: object 1000 deep", "query($id: ID!) { user(id: $id) { b } }", {"id": nested(1000, "object")}),
        (
            "variables: 100k strings, one NUL",
            "query($id: ID!) { user(id: $id) { b } }",
            {"id": ["x"] * 99_999 + ["\x00"]},
        ),
    ]
    return cases


def tokens(query: str) -> int:
    lexer = Lexer(Source(query))
    count = 0
    with contextlib.suppress(GraphQLError):
        while lexer.advance().kind != TokenKind.EOF:
            count += 1
    return count


def refuse(query: str, variables: dict[str, Any] | None) -> str:
    checker = OperationChecker(SCHEMA, LIMITS, introspection=False)
    try:
        checker.check(query)
        check_variables(variables, max_depth=LIMITS.parser_max_recursion)
    except OperationRefused as refused:
        return str(refused.errors[0]["extensions"]["code"])
    except InputRefused as refused:
        return refused.code
    return "accepted"


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'attack':<46} {'bytes':>8} {'tokens':>7} {'visits':>7} {'ms':>9}  refused with")
    for name, query, variables in attacks():
        Visits.reset()
        code = refuse(query, variables)
        visits = Visits.reset()
        seconds = best(lambda q=query, v=variables: refuse(q, v), args.repeat)  # type: ignore[misc]
        print(f"{name:<46} {len(query):>8} {tokens(query):>7} {visits:>7} {seconds * 1000:>9.3f}  {code}")
    fields = (LIMITS.max_recursive_selections or 400) - 1
    for count in (fields, 4000):
        duplicates = "{ a { " + "b " * count + "} }"
        document = parse(duplicates)
        for label, check in (("router", validate), ("graphql-core", graphql_validate)):
            seconds = best(lambda c=check, d=document: c(SCHEMA, d), args.repeat)  # type: ignore[misc]
            verdict = "; ".join(e.message for e in check(SCHEMA, document)) or "accepted"
            print(
                f"{f'{label} validation, {count} duplicate fields':<46} {len(duplicates):>8} "
                f"{tokens(duplicates):>7} {'':>7} {seconds * 1000:>9.3f}  ({verdict})"
            )
    spread = bomb(8, 2)
    document = parse(spread)
    seconds = best(lambda: validate(SCHEMA, document), args.repeat)
    print(
        f"{'router validation, 256-leaf bomb':<46} {len(spread):>8} {tokens(spread):>7} {'':>7} "
        f"{seconds * 1000:>9.3f}  ({refuse(spread, None)}: router validation)"
    )


if __name__ == "__main__":
    main()
