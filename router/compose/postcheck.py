"""Checks on the merged graph as a whole: a query root exists, and ``@inaccessible`` leaves a valid API
schema (Apollo's ``REFERENCED_INACCESSIBLE``, ``ONLY_INACCESSIBLE_CHILDREN``, ``REQUIRED_INACCESSIBLE``,
``IMPLEMENTED_BY_INACCESSIBLE``, ``QUERY_ROOT_TYPE_INACCESSIBLE``)."""

from __future__ import annotations

from router.compose.context import MergeContext
from router.compose.model import named_type, type_str
from router.compose.supermodel import SInputValue, SType, Supergraph


def check_supergraph(ctx: MergeContext, supergraph: Supergraph) -> None:
    types = supergraph.types
    query = types.get("Query")
    if query is None or not query.fields:
        ctx.error("NO_QUERIES", "No queries found in any subgraph: a supergraph must have a query root type.")
    for root in ("Query", "Mutation", "Subscription"):
        if root in types and types[root].meta.inaccessible:
            ctx.error(
                "QUERY_ROOT_TYPE_INACCESSIBLE",
                f'Type "{root}" is @inaccessible but is the root {root.lower()} type, which must be in the API schema.',
                root,
            )
    for stype in types.values():
        if stype.meta.inaccessible:
            continue
        _check_children(ctx, stype, types)


def _inaccessible_type(types: dict[str, SType], name: str) -> bool:
    stype = types.get(name)
    return stype is not None and stype.meta.inaccessible


def _check_required(ctx: MergeContext, value: SInputValue, coordinate: str, type_name: str) -> None:
    if value.meta.inaccessible and type_str(value.type).endswith("!") and value.default is None:
        ctx.error(
            "REQUIRED_INACCESSIBLE",
            f"{coordinate} is required, but it was marked as @inaccessible.",
            type_name,
        )


def _check_children(ctx: MergeContext, stype: SType, types: dict[str, SType]) -> None:
    name = stype.name
    if stype.kind in ("object", "interface"):
        if stype.fields and all(f.meta.inaccessible for f in stype.fields.values()):
            ctx.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{name}" is in the API schema but all of its fields are @inaccessible.',
                name,
            )
        for field in stype.fields.values():
            if field.meta.inaccessible:
                for interface in stype.interfaces:
                    parent = types.get(interface)
                    if parent is None or parent.meta.inaccessible:
                        continue
                    inherited = parent.fields.get(field.name)
                    if inherited is not None and not inherited.meta.inaccessible:
                        ctx.error(
                            "IMPLEMENTED_BY_INACCESSIBLE",
                            f'Field "{name}.{field.name}" is @inaccessible but implements the interface field'
                            f' "{interface}.{field.name}", which is in the API schema.',
                            name,
                            field.name,
                        )
                continue
            target = named_type(field.type)
            if _inaccessible_type(types, target):
                ctx.error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{target}" is @inaccessible but is referenced by "{name}.{field.name}", which is in the'
                    " API schema.",
                    name,
                    field.name,
                )
            for arg in field.args.values():
                coordinate = f'Argument "{name}.{field.name}({arg.name}:)"'
                _check_required(ctx, arg, coordinate, name)
                if not arg.meta.inaccessible and _inaccessible_type(types, named_type(arg.type)):
                    ctx.error(
                        "REFERENCED_INACCESSIBLE",
                        f'Type "{named_type(arg.type)}" is @inaccessible but is referenced by'
                        f' "{name}.{field.name}({arg.name}:)", which is in the API schema.',
                        name,
                        field.name,
                    )
    elif stype.kind == "input":
        values = list(stype.input_fields.values())
        if values and all(v.meta.inaccessible for v in values):
            ctx.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{name}" is in the API schema but all of its input fields are @inaccessible.',
                name,
            )
        for value in values:
            _check_required(ctx, value, f'Input field "{name}.{value.name}"', name)
            if not value.meta.inaccessible and _inaccessible_type(types, named_type(value.type)):
                ctx.error(
                    "REFERENCED_INACCESSIBLE",
                    f'Type "{named_type(value.type)}" is @inaccessible but is referenced by "{name}.{value.name}",'
                    " which is in the API schema.",
                    name,
                    value.name,
                )
    elif stype.kind == "enum":
        if stype.values and all(v.meta.inaccessible for v in stype.values.values()):
            ctx.error(
                "ONLY_INACCESSIBLE_CHILDREN",
                f'Type "{name}" is in the API schema but all of its values are @inaccessible.',
                name,
            )
    elif stype.kind == "union" and stype.members and all(_inaccessible_type(types, m) for m in stype.members):
        ctx.error(
            "ONLY_INACCESSIBLE_CHILDREN",
            f'Type "{name}" is in the API schema but all of its members are @inaccessible.',
            name,
        )
