"""Compile one selection's fields into a Python function: the shaping walk without per-field dispatch.

The walker of :mod:`router.execution.shaping` used to read, for every field of every object, a row
saying what to do with it (a tuple unpacked, then a chain of comparisons). The rows of a selection
never change once compiled, so this module writes their decisions out as straight-line Python source,
one function per selection and ``__typename``, compiled once and then called for every object of that
shape: each field is one subscript and a type test written from the value types its leaf accepts
(``type(v) is str``), and the object is one dict display at the end. That is about a third of the
bytecode per field.

Only the common outcome is written inline. Anything the inline test does not settle (a null, a list
element, an invalid value, a custom scalar's check) goes to the walker's ``settle``, the one code path
that reports errors, in field order and with the same null propagation as before.

Response keys are GraphQL names and are written with ``repr``; every other value the function needs
(rows, selections, types, type names) is passed in its globals, never written into the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import NoneType
from typing import Any, Final

# What the walker does with a field (the first element of its compiled row).
ROW_LEAF: Final = 0  # a leaf whose value is checked
ROW_OBJECT: Final = 1  # a composite, not a list
ROW_VALUE: Final = 2  # a list
ROW_ANY_LEAF: Final = 3  # a leaf of a custom scalar: any non-null value
ROW_TYPENAME: Final = 4
ROW_INTROSPECTION: Final = 5

# A marker returned when a value is invalid and the null must bubble to the nearest nullable parent.
BUBBLE: Final = object()

ObjectShaper = Callable[[Any, Mapping[str, Any], Any, Any], Any]
"""``(walker, object, path, its __typename) -> the shaped object or BUBBLE``."""


def compile_object_shaper(
    rows: Sequence[tuple[Any, ...]],
    *,
    shape: Any,
    object_name: str | None,
    parent_name: str,
    typename_output: str | None,
) -> ObjectShaper:
    """The function shaping an object of one selection (``shape``) and ``__typename`` by its ``rows``.

    ``object_name`` is the object type the ``__typename`` names (``None`` for an abstract one),
    ``parent_name`` the type named in error messages, ``typename_output`` what a plain ``__typename``
    field shows (``None``: the object is invalid there). The function calls back into
    the walker for the rest: ``complete_object``, ``complete_value``, ``settle``, ``typename_field``.
    """
    names: dict[str, Any] = {"BUBBLE": BUBBLE, "SHAPE": shape, "OBJECT_NAME": object_name}
    lines = ["def shape(walker, obj, path, typename):"]
    out: list[str] = []
    for index, row in enumerate(rows):
        what, key, name, type_, accept, _, non_null, selection = row
        value = f"v{index}"
        here = f"(path, {key!r})"
        names[f"ROW{index}"] = row
        settle = [
            f"        {value} = walker.settle(ROW{index}, {value}, {here}, PARENT)",
            f"        if {value} is BUBBLE:",
            "            return BUBBLE",
        ]
        out.append(f"{key!r}: {value}")
        if what == ROW_TYPENAME and key == "__typename":
            if typename_output is None:
                lines.append("    return BUBBLE")
                break
            names[f"NAME{index}"] = typename_output
            lines.append(f"    {value} = NAME{index}")
            continue
        if what == ROW_INTROSPECTION:
            lines.append(f"    {value} = walker.introspection.get({key!r})")
            continue
        lines += ["    try:", f"        {value} = obj[{key!r}]", "    except KeyError:", f"        {value} = None"]
        if what == ROW_TYPENAME:  # an alias of __typename
            lines += [
                f"    {value} = walker.typename_field(SHAPE, {value}, {key!r}, typename, OBJECT_NAME)",
                f"    if {value} is None:",
                "        return BUBBLE",
            ]
        elif what == ROW_LEAF:
            tests = []
            for position, accepted in enumerate(sorted(accept, key=lambda t: (t is NoneType, t.__name__))):
                names[f"T{index}_{position}"] = accepted
                tests.append(f"t is not T{index}_{position}")
            lines += [f"    t = type({value})", f"    if {' and '.join(tests) or 'True'}:", *settle]
        elif what == ROW_ANY_LEAF:
            lines += [f"    if {value} is None:", *settle]
        elif what == ROW_OBJECT:
            names[f"SEL{index}"] = selection
            # complete_object's dispatch written inline: one call per object instead of two
            lines += [
                f"    if type({value}) is dict:",
                f"        tn = {value}.get('__typename')",
                f"        c = SEL{index}._by_type.get(tn if type(tn) is str else None)",
                "        if c is None:",
                f"            {value} = walker.complete_object({value}, SEL{index}, {here})",
                "        else:",
                f"            {value} = c[3](walker, {value}, {here}, tn)",
                f"        if {value} is BUBBLE:",
                "            return BUBBLE" if non_null else f"            {value} = None",
                "    else:",
                *settle,
            ]
        else:  # a list
            names[f"TYPE{index}"] = type_
            lines += [
                f"    if {value} is not None:",
                f"        {value} = walker.complete_value({value}, TYPE{index}, {here}, PARENT, {name!r})",
                f"        if {value} is BUBBLE:",
                "            return BUBBLE" if non_null else f"            {value} = None",
            ]
            if non_null:
                lines += ["    else:", *settle]
    else:
        lines.append(f"    return {{{', '.join(out)}}}")
    names["PARENT"] = parent_name
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), "<shaping>", "exec"), names, namespace)  # noqa: S102 - our own source, above
    shaper: ObjectShaper = namespace["shape"]
    return shaper
