"""Values from a request → GraphQL variable values, checked against the operation's types.

Path, query and header values are text; they are turned into the JSON value their GraphQL type
expects (``"20"`` → ``20`` for an ``Int``) and then checked by graphql-core's own input coercion, so a
REST client gets the same rules and messages as a GraphQL client, prefixed with the parameter's name.
The values passed on are the JSON values, not graphql-core's coerced Python values: the engine
coerces them again on its side.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLError,
    GraphQLFloat,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    Undefined,
    coerce_input_value,
)

from router.rest.problems import RequestProblem
from servicekit.clean_input import InputRefused, check_input

# The deepest JSON value a parameter or body may hold (the router's parser_max_recursion default).
MAX_INPUT_DEPTH = 100

_INTEGER = re.compile(r"^[+-]?\d+$")


def _date_time(value: str) -> bool:
    if not re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", value):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}$", value))


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# Custom scalars whose text format is known: (OpenAPI format, check). Others accept any JSON value.
SCALAR_FORMATS: Mapping[str, tuple[str, Callable[[str], bool]]] = {
    "DateTime": ("date-time", _date_time),
    "Date": ("date", _date),
    "UUID": ("uuid", _uuid),
}


def _nullable(type_: GraphQLInputType) -> GraphQLInputType:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def from_text(text: str, type_: GraphQLInputType) -> Any:
    """The JSON value a text parameter stands for; left as text when it cannot be read, so that
    coercion reports it in GraphQL's words."""
    named = _nullable(type_)
    if named is GraphQLInt and _INTEGER.match(text.strip()):
        return int(text.strip())
    if named is GraphQLFloat:
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    if named is GraphQLBoolean:
        lowered = text.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return text


def _label(parameter: str, path: list[str | int]) -> str:
    label = parameter
    for part in path:
        label = f"{label}[{part}]" if isinstance(part, int) else (f"{label}.{part}" if label else str(part))
    return label


def check_value(value: Any, type_: GraphQLInputType, *, parameter: str, location: str, kind: str) -> None:
    """Refuse ``value`` (a 400 naming the parameter) unless it is valid for ``type_``.

    Control characters and over-deep nesting are refused first, whatever the type (see
    :mod:`servicekit.clean_input`): the walk is linear, and coercion never sees such a value.
    """
    problems: list[tuple[str, str]] = []
    where = f"{kind} '{parameter}'" if parameter else "the request body"
    try:
        check_input(value, max_depth=MAX_INPUT_DEPTH, root=where)
    except InputRefused as refused:
        raise RequestProblem(refused.message, parameter=parameter or None, location=location) from None

    def on_error(path: list[str | int], _invalid: Any, error: GraphQLError) -> None:
        problems.append((_label(parameter, path), error.message))

    coerce_input_value(value, type_, on_error)
    if not problems:
        _check_formats(value, type_, [], problems, parameter)
    if problems:
        name, message = problems[0]
        where = f"{kind} '{name}'" if name else "the request body"
        raise RequestProblem(f"{where}: {message}", parameter=name or None, location=location)


def _check_formats(
    value: Any, type_: GraphQLInputType, path: list[str | int], problems: list[tuple[str, str]], parameter: str
) -> None:
    if value is None or value is Undefined:
        return
    named = _nullable(type_)
    if isinstance(named, GraphQLList):
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            _check_formats(item, named.of_type, [*path, index], problems, parameter)
    elif isinstance(named, GraphQLInputObjectType) and isinstance(value, Mapping):
        for name, field in named.fields.items():
            if name in value:
                _check_formats(value[name], field.type, [*path, name], problems, parameter)
    elif named is GraphQLID and not isinstance(value, str):
        # GraphQL's ID also takes an integer; /openapi.json says a string (what every output is),
        # so a JSON body's number is refused rather than accepted against the document.
        problems.append((_label(parameter, path), f"ID must be a string, got {value!r}"))
    elif isinstance(named, GraphQLScalarType) and named.name in SCALAR_FORMATS:
        format_name, valid = SCALAR_FORMATS[named.name]
        if not isinstance(value, str) or not valid(value):
            problems.append((_label(parameter, path), f"{named.name} must be a {format_name} string, got {value!r}"))
