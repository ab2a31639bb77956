"""Merging subgraph types into the supergraph: kinds, ``@join__type``, unions, enums, inputs, scalars."""

from __future__ import annotations

from router.compose.context import MergeContext, merge_security, subgraph_list
from router.compose.merge_fields import merge_input_value, merge_type_fields
from router.compose.model import Subgraph, TypeDef, named_type
from router.compose.supermodel import JoinType, SEnumValue, SField, SType
from router.sdl_kinds import TypeKind

_KIND_NAMES = {
    "object": "Object Type",
    "interface": "Interface Type",
    "union": "Union Type",
    "enum": "Enum Type",
    "input": "Input Object Type",
    "scalar": "Scalar Type",
}


def merge_types(ctx: MergeContext) -> dict[str, SType]:
    names: list[str] = []
    for subgraph in ctx.subgraphs:
        names.extend(name for name in subgraph.types if name not in names)
    merged: dict[str, SType] = {}
    for name in names:
        sources = ctx.sources(name)
        kind = _merged_kind(ctx, name, sources)
        if kind is None:
            continue
        stype = SType(name=name, kind=kind)
        for subgraph, type_def in sources:
            if stype.description is None and type_def.description:
                stype.description = type_def.description
            merge_security(stype.meta, type_def.meta)
            stype.join_types.extend(_join_types(ctx, subgraph, type_def))
        if kind in ("object", "interface"):
            stype.fields = merge_type_fields(ctx, name, sources, is_object=kind == "object")
            for subgraph, type_def in sources:
                for interface in type_def.interfaces:
                    if interface not in stype.interfaces:
                        stype.interfaces.append(interface)
                    stype.implements.append((ctx.graph_names[subgraph.name], interface))
        elif kind == "union":
            for subgraph, type_def in sources:
                for member in type_def.members:
                    if member not in stype.members:
                        stype.members.append(member)
                    stype.union_members.append((ctx.graph_names[subgraph.name], member))
        elif kind == "input":
            _merge_input_object(ctx, stype, sources)
        merged[name] = stype
    _fill_interface_object_fields(ctx, merged)
    _merge_enums(ctx, merged)
    _check_implementations(ctx, merged)
    return merged


def _merged_kind(ctx: MergeContext, name: str, sources: list[tuple[Subgraph, TypeDef]]) -> TypeKind | None:
    kinds = {type_def.kind for _, type_def in sources}
    interface_objects = [type_def for _, type_def in sources if type_def.interface_object]
    if interface_objects and kinds == {"object", "interface"}:
        return "interface"
    if interface_objects and kinds == {"object"}:
        ctx.error(
            "INTERFACE_OBJECT_USAGE_ERROR",
            f'Type "{name}" is declared with @interfaceObject in all the subgraphs in which is is defined'
            f" ({subgraph_list([s.name for s, _ in sources])})",
            name,
        )
        return None
    if len(kinds) == 1:
        return next(iter(kinds))
    first_subgraph, first = sources[0]
    other_subgraph, other = next((s, t) for s, t in sources if t.kind != first.kind)
    ctx.error(
        "TYPE_KIND_MISMATCH",
        f'Type "{name}" has mismatched kind: it is defined as {_KIND_NAMES[first.kind]} in subgraph'
        f' "{first_subgraph.name}" but {_KIND_NAMES[other.kind]} in subgraph "{other_subgraph.name}"',
        name,
    )
    return None


def _join_types(ctx: MergeContext, subgraph: Subgraph, type_def: TypeDef) -> list[JoinType]:
    graph = ctx.graph_names[subgraph.name]
    if not type_def.keys or type_def.kind not in ("object", "interface"):
        return [
            JoinType(
                graph=graph,
                extension=type_def.extension and type_def.kind == "object",
                is_interface_object=type_def.interface_object,
            )
        ]
    return [
        JoinType(
            graph=graph,
            key=key.fields,
            extension=type_def.extension,
            resolvable=key.resolvable,
            is_interface_object=type_def.interface_object,
        )
        for key in type_def.keys
    ]


def _merge_input_object(ctx: MergeContext, stype: SType, sources: list[tuple[Subgraph, TypeDef]]) -> None:
    order: list[str] = []
    for _, type_def in sources:
        order.extend(name for name in type_def.input_fields if name not in order)
    for name in order:
        present = [(s.name, t.input_fields[name]) for s, t in sources if name in t.input_fields]
        if len(present) < len(sources):
            required_in = [g for g, v in present if v.default is None and v.type.kind == "non_null_type"]
            if required_in:
                missing = [s.name for s, t in sources if name not in t.input_fields]
                ctx.error(
                    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                    f'Input object field "{stype.name}.{name}" is required in some subgraphs but does not appear'
                    f" in all subgraphs: it is required in {subgraph_list(required_in)} but does not appear in"
                    f" {subgraph_list(missing)}",
                    stype.name,
                    name,
                )
            continue
        value = merge_input_value(ctx, f"{stype.name}.{name}", present, "INPUT_FIELD")
        if value is not None:
            stype.input_fields[name] = value
    common = [name for name in order if all(name in t.input_fields for _, t in sources)]
    if not common:
        ctx.error(
            "EMPTY_MERGED_INPUT_TYPE",
            f'None of the fields of input object type "{stype.name}" are consistently defined in all the'
            f" subgraphs defining that type. As only fields common to all subgraphs are merged, this would"
            " result in an empty type.",
            stype.name,
        )


def _fill_interface_object_fields(ctx: MergeContext, merged: dict[str, SType]) -> None:
    """Fields an @interfaceObject adds to an interface also exist on every implementation."""
    for stype in merged.values():
        if stype.kind != "interface":
            continue
        object_sources = [(s, t) for s, t in ctx.sources(stype.name) if t.interface_object and t.kind == "object"]
        added = [name for _, t in object_sources for name in t.fields]
        if not added:
            continue
        for implementation in merged.values():
            if implementation.kind != "object" or stype.name not in implementation.interfaces:
                continue
            for name in added:
                if name in implementation.fields or name not in stype.fields:
                    continue
                source = stype.fields[name]
                implementation.fields[name] = SField(
                    name=name,
                    type=source.type,
                    args=dict(source.args),
                    description=source.description,
                    bare_join=True,
                )


def _type_usages(merged: dict[str, SType]) -> tuple[dict[str, str], dict[str, str]]:
    """Enum name → an example coordinate using it as input, and as output."""
    as_input: dict[str, str] = {}
    as_output: dict[str, str] = {}
    for stype in merged.values():
        for field in stype.fields.values():
            as_output.setdefault(named_type(field.type), f"{stype.name}.{field.name}")
            for arg in field.args.values():
                as_input.setdefault(named_type(arg.type), f"{stype.name}.{field.name}({arg.name}:)")
        for input_field in stype.input_fields.values():
            as_input.setdefault(named_type(input_field.type), f"{stype.name}.{input_field.name}")
    return as_input, as_output


def _merge_enums(ctx: MergeContext, merged: dict[str, SType]) -> None:
    as_input, as_output = _type_usages(merged)
    for stype in merged.values():
        if stype.kind != "enum":
            continue
        sources = ctx.sources(stype.name)
        order: list[str] = []
        for _, type_def in sources:
            order.extend(name for name in type_def.values if name not in order)
        is_input, is_output = stype.name in as_input, stype.name in as_output
        for value_name in order:
            having = [(s, t.values[value_name]) for s, t in sources if value_name in t.values]
            if len(having) < len(sources):
                if is_input and is_output:
                    lacking = [s.name for s, t in sources if value_name not in t.values]
                    ctx.error(
                        "ENUM_VALUE_MISMATCH",
                        f'Enum type "{stype.name}" is used as both input type (for example, as type of'
                        f' "{as_input[stype.name]}") and output type (for example, as type of'
                        f' "{as_output[stype.name]}"), but value "{value_name}" is not defined in all the'
                        f' subgraphs defining "{stype.name}": "{value_name}" is defined in'
                        f" {subgraph_list([s.name for s, _ in having])} but not in {subgraph_list(lacking)}",
                        stype.name,
                    )
                    continue
                if is_input:
                    continue
            value = SEnumValue(name=value_name, graphs=[ctx.graph_names[s.name] for s, _ in having])
            for _, source in having:
                if value.description is None and source.description:
                    value.description = source.description
                merge_security(value.meta, source.meta)
            stype.values[value_name] = value
        if not stype.values and is_input:
            ctx.error(
                "EMPTY_MERGED_ENUM_TYPE",
                f'None of the values of enum type "{stype.name}" are defined consistently in all the subgraphs'
                f" defining that type. As only values common to all subgraphs are merged, this would result in an"
                " empty type.",
                stype.name,
            )


def _check_implementations(ctx: MergeContext, merged: dict[str, SType]) -> None:
    for stype in merged.values():
        if stype.kind not in ("object", "interface"):
            continue
        for interface_name in stype.interfaces:
            interface = merged.get(interface_name)
            if interface is None:
                continue
            for field_name in interface.fields:
                if field_name in stype.fields:
                    continue
                declared_in = [s.name for s, t in ctx.sources(interface_name) if field_name in t.fields]
                implementing_in = [s.name for s, t in ctx.sources(stype.name) if interface_name in t.interfaces]
                ctx.error(
                    "INTERFACE_FIELD_NO_IMPLEM",
                    f'Interface field "{interface_name}.{field_name}" is declared in'
                    f' {subgraph_list(declared_in)} but type "{stype.name}", which implements "{interface_name}"'
                    f' only in {subgraph_list(implementing_in)} does not have field "{field_name}".',
                    stype.name,
                    field_name,
                )
