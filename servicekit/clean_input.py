"""Checks on input values (GraphQL variables, string literals, REST parameters and bodies).

Two refusals, both before any coercion or subgraph call:

* **control characters** (string literals in a GraphQL document are checked by the router's lexical pass,
  :mod:`router.server.limits.lexical`): NUL and the other C0 controls except tab, line feed and carriage
  return (and DEL) have no place in any text this API stores or searches. PostgreSQL refuses NUL
  in ``text`` outright, so letting one through turns a client's mistake into a server error.
* **nesting**: a JSON value nested deeper than the limit (``[[[[…]]]]`` or ``{"a": {"a": …}}``)
  is refused before graphql-core's recursive coercion walks it.

The walk is iterative and visits each value once: its cost is linear in the input's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CODE = "BAD_USER_INPUT"
DEPTH_CODE = "MAX_INPUT_DEPTH_LIMIT"


class InputRefused(Exception):
    """An input value refused: ``code`` and a message naming where the value was."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extensions = extensions


def control_character(text: str) -> str | None:
    """``U+XXXX`` of the first forbidden control character in ``text``, or ``None``."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found is not None else None


def _label(root: str, path: tuple[str | int, ...]) -> str:
    label = root
    for part in path:
        label = f"{label}[{part}]" if isinstance(part, int) else f"{label}.{part}"
    return label


def _strings(value: Any, max_depth: int, root: str) -> Iterator[tuple[tuple[str | int, ...], str]]:
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, dict | list):
            if len(path) >= max_depth:
                raise InputRefused(
                    f"{_label(root, path)}: the value nests deeper than {max_depth} levels.",
                    DEPTH_CODE,
                    limit=max_depth,
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    yield (*path, str(key)), str(key)
                    stack.append(((*path, str(key)), child))
            else:
                stack.extend(((*path, index), child) for index, child in enumerate(item))


def check_input(value: Any, *, max_depth: int, root: str) -> None:
    """Refuse (:class:`InputRefused`) a JSON value with control characters or nested too deeply.

    ``root`` names the value in the message (``variable $input``, ``query parameter 'q'``).
    """
    for path, text in _strings(value, max_depth, root):
        bad = control_character(text)
        if bad is not None:
            raise InputRefused(
                f"{_label(root, path)}: text may not contain control characters (found {bad}).", CONTROL_CODE
            )


def check_variables(variables: dict[str, Any] | None, *, max_depth: int) -> None:
    for name, value in (variables or {}).items():
        check_input(name, max_depth=max_depth, root="variable name")
        check_input(value, max_depth=max_depth, root=f"variable ${name}")
