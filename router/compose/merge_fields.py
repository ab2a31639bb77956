"""Merging the fields of one object or interface type across subgraphs.

For each field this decides the supergraph type, the arguments (intersection), whether
``@join__field`` is needed and with what, resolves ``@override`` and checks shareability.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import print_ast

from router.compose.context import MergeContext, describe_by_subgraph, merge_security, subgraph_list
from router.compose.model import Field, InputValue, Subgraph, TypeDef, type_str
from router.compose.supermodel import JoinField, SField, SInputValue
from router.compose.typecompat import merge_input_types, merge_output_types


@dataclass
class _Source:
    subgraph: Subgraph
    type_def: TypeDef
    field: Field
    removed: bool = False  # overridden and unused: the old subgraph no longer resolves it
    used_overridden: bool = False
    override_label: str | None = None
    label_overridden: bool = False

    @property
    def external(self) -> bool:
        return self.field.external or self.type_def.external


def merge_type_fields(
    ctx: MergeContext, type_name: str, sources: list[tuple[Subgraph, TypeDef]], is_object: bool
) -> dict[str, SField]:
    order: list[str] = []
    for _, type_def in sources:
        order.extend(name for name in type_def.fields if name not in order)
    merged: dict[str, SField] = {}
    for name in order:
        field_sources = [_Source(s, t, t.fields[name]) for s, t in sources if name in t.fields]
        result = _merge_field(ctx, type_name, name, field_sources, sources, is_object)
        if result is not None:
            merged[name] = result
    return merged


def _resolve_overrides(ctx: MergeContext, type_name: str, name: str, sources: list[_Source]) -> None:
    by_graph = {source.subgraph.name: source for source in sources}
    for source in sources:
        origin_name = source.field.override
        if origin_name is None or origin_name == source.subgraph.name:
            continue
        origin = by_graph.get(origin_name)
        if origin is None:
            continue  # Apollo only hints: overriding a subgraph that does not define the field
        if origin.field.override is not None:
            ctx.error(
                "OVERRIDE_SOURCE_HAS_OVERRIDE",
                f'Field "{type_name}.{name}" on subgraph "{source.subgraph.name}" is also marked with directive'
                f' @override in subgraph "{origin_name}". Only one @override directive is allowed per field.',
                type_name,
                name,
                source.subgraph.name,
            )
            continue
        if origin.external:
            continue
        if source.field.override_label is not None:
            origin.label_overridden = True  # progressive override: both resolve it during the migration
            origin.override_label = source.field.override_label
            continue
        usage = ctx.usages[origin_name]
        if (type_name, name) in usage.key_fields or (type_name, name) in usage.required:
            origin.used_overridden = True
        else:
            origin.removed = True


def _merge_field(
    ctx: MergeContext,
    type_name: str,
    name: str,
    sources: list[_Source],
    type_sources: list[tuple[Subgraph, TypeDef]],
    is_object: bool,
) -> SField | None:
    _resolve_overrides(ctx, type_name, name, sources)
    live = [s for s in sources if not s.removed]
    resolving = [s for s in live if not s.external]
    if not resolving:
        ctx.error(
            "EXTERNAL_MISSING_ON_BASE",
            f'Field "{type_name}.{name}" is marked @external on all the subgraphs in which it is listed'
            f" ({subgraph_list([s.subgraph.name for s in sources])}).",
            type_name,
            name,
        )
        return None
    merged_type = merge_output_types([s.field.type for s in resolving], ctx.is_subtype_name)
    if merged_type is None:
        described = describe_by_subgraph("type", [(s.subgraph.name, f'"{type_str(s.field.type)}"') for s in resolving])
        ctx.error(
            "FIELD_TYPE_MISMATCH",
            f'Type of field "{type_name}.{name}" is incompatible across subgraphs: it has {described}',
            type_name,
            name,
        )
        return None
    for source in live:
        if source.external and merge_output_types([merged_type, source.field.type], ctx.is_subtype_name) is None:
            ctx.error(
                "EXTERNAL_TYPE_MISMATCH",
                f'Type of field "{type_name}.{name}" is incompatible across subgraphs (where marked @external):'
                f' it has type "{type_str(merged_type)}" in {subgraph_list([resolving[0].subgraph.name])} but type'
                f' "{type_str(source.field.type)}" in subgraph "{source.subgraph.name}"',
                type_name,
                name,
                source.subgraph.name,
            )
    result = SField(name=name, type=merged_type)
    for source in sources:
        if result.description is None and source.field.description:
            result.description = source.field.description
        if not source.removed:
            merge_security(result.meta, source.field.meta)
    result.args = _merge_arguments(
        ctx, f"{type_name}.{name}", [s.field for s in resolving], [s.subgraph.name for s in resolving]
    )
    all_types_equal = len({type_str(s.field.type) for s in sources}) == 1
    if _needs_join_field(ctx, type_name, sources, all_types_equal):
        for source in live:
            result.joins.append(
                JoinField(
                    graph=ctx.graph_names[source.subgraph.name],
                    requires=source.field.requires,
                    provides=source.field.provides,
                    type=None if all_types_equal else type_str(source.field.type),
                    external=source.external,
                    override=source.field.override,
                    override_label=source.field.override_label or source.override_label,
                    used_overridden=source.used_overridden,
                )
            )
    if is_object:
        _check_shareability(ctx, type_name, name, live)
    return result


def _needs_join_field(ctx: MergeContext, type_name: str, sources: list[_Source], all_types_equal: bool) -> bool:
    if not all_types_equal:
        return True
    present = {s.subgraph.name for s in sources if not s.removed}
    for source in sources:
        field = source.field
        if source.removed or source.used_overridden or source.external:
            return True
        if field.requires is not None or field.provides is not None or field.override is not None:
            return True
    return any(type_name in s.types and s.name not in present for s in ctx.subgraphs)


def _is_shareable(ctx: MergeContext, source: _Source, type_name: str) -> bool:
    coordinate = (type_name, source.field.name)
    return (
        source.field.shareable or source.type_def.shareable or coordinate in ctx.usages[source.subgraph.name].key_fields
    )


def _check_shareability(ctx: MergeContext, type_name: str, name: str, live: list[_Source]) -> None:
    resolving = [
        s
        for s in live
        if not s.used_overridden
        and not s.label_overridden
        and (not s.external or (type_name, name) in ctx.usages[s.subgraph.name].provided)
    ]
    if len(resolving) < 2:
        return
    non_shareable = [s.subgraph.name for s in resolving if not s.external and not _is_shareable(ctx, s, type_name)]
    if not non_shareable:
        return
    where = "all of them" if len(non_shareable) == len(resolving) else subgraph_list(non_shareable)
    ctx.error(
        "INVALID_FIELD_SHARING",
        f'Non-shareable field "{type_name}.{name}" is resolved from multiple subgraphs: it is resolved from'
        f" {subgraph_list([s.subgraph.name for s in resolving])} and defined as non-shareable in {where}",
        type_name,
        name,
        non_shareable[0],
    )


def _merge_arguments(
    ctx: MergeContext, coordinate: str, fields: list[Field], graphs: list[str]
) -> dict[str, SInputValue]:
    order: list[str] = []
    for field in fields:
        order.extend(name for name in field.args if name not in order)
    merged: dict[str, SInputValue] = {}
    for arg_name in order:
        present = [(g, f.args[arg_name]) for g, f in zip(graphs, fields, strict=True) if arg_name in f.args]
        if len(present) < len(fields):
            required_in = [g for g, arg in present if _is_required(arg)]
            if required_in:
                missing = [g for g, f in zip(graphs, fields, strict=True) if arg_name not in f.args]
                ctx.error(
                    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                    f'Argument "{coordinate}({arg_name}:)" is required in some subgraphs but does not appear in'
                    f" all subgraphs: it is required in {subgraph_list(required_in)} but does not appear in"
                    f" {subgraph_list(missing)}",
                    coordinate.split(".")[0],
                    coordinate.split(".")[1],
                )
            continue
        value = merge_input_value(ctx, f"{coordinate}({arg_name}:)", present, "FIELD_ARGUMENT")
        if value is not None:
            merged[arg_name] = value
    return merged


def _is_required(value: InputValue) -> bool:
    return type_str(value.type).endswith("!") and value.default is None


def merge_input_value(
    ctx: MergeContext, coordinate: str, present: list[tuple[str, InputValue]], code_prefix: str
) -> SInputValue | None:
    """Merge one argument or input field present in every subgraph; ``code_prefix`` picks error codes."""
    name = present[0][1].name
    type_name, _, rest = coordinate.partition(".")
    field_name = rest.split("(")[0] or None
    merged_type = merge_input_types([value.type for _, value in present])
    if merged_type is None:
        described = describe_by_subgraph("type", [(g, f'"{type_str(v.type)}"') for g, v in present])
        kind = "Type of argument" if code_prefix == "FIELD_ARGUMENT" else "Type of field"
        code = "FIELD_ARGUMENT_TYPE_MISMATCH" if code_prefix == "FIELD_ARGUMENT" else "FIELD_TYPE_MISMATCH"
        ctx.error(
            code,
            f'{kind} "{coordinate}" is incompatible across subgraphs: it has {described}',
            type_name,
            field_name,
        )
        return None
    defaults = {print_ast(v.default) for _, v in present if v.default is not None}
    if len(defaults) > 1 or (defaults and any(v.default is None for _, v in present)):
        described = describe_by_subgraph(
            "default value", [(g, print_ast(v.default) if v.default is not None else "none") for g, v in present]
        )
        code = "FIELD_ARGUMENT_DEFAULT_MISMATCH" if code_prefix == "FIELD_ARGUMENT" else "INPUT_FIELD_DEFAULT_MISMATCH"
        kind = "Argument" if code_prefix == "FIELD_ARGUMENT" else "Input field"
        ctx.error(
            code,
            f'{kind} "{coordinate}" has incompatible default values across subgraphs: it has {described}',
            type_name,
            field_name,
        )
        return None
    result = SInputValue(name=name, type=merged_type, default=next((v.default for _, v in present if v.default), None))
    for _, value in present:
        if result.description is None and value.description:
            result.description = value.description
        merge_security(result.meta, value.meta)
    if len({type_str(v.type) for _, v in present}) > 1:
        result.joins = [JoinField(graph=ctx.graph_names[g], type=type_str(v.type)) for g, v in present]
    return result
