"""Field sets (the ``fields:`` strings of ``@key``, ``@requires``, ``@provides``) against a subgraph."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from router.compose.model import Field, Subgraph, named_type

_BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})


@dataclass
class FieldSetUse:
    """What a field set selects: each (type, field) with its definition, and what went wrong."""

    selected: list[tuple[str, Field]] = field(default_factory=list)
    top_level: list[Field] = field(default_factory=list)
    with_arguments: list[str] = field(default_factory=list)  # "T.f" coordinates
    abstract_fields: list[str] = field(default_factory=list)  # "T.f" selecting an interface or union
    has_directives: bool = False
    errors: list[str] = field(default_factory=list)


def parse_field_set(text: str) -> SelectionSetNode:
    """Parse ``"id organization { id }"``; raises GraphQLError on bad syntax."""
    document = parse("{" + text + "}", no_location=True)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    return operation.selection_set


def analyse_field_set(subgraph: Subgraph, type_name: str, text: str) -> FieldSetUse:
    use = FieldSetUse()
    try:
        selection_set = parse_field_set(text)
    except GraphQLError as exc:
        use.errors.append(f"Invalid field set syntax: {exc.message}")
        return use
    _walk(subgraph, type_name, selection_set, use, top=True)
    return use


def _kind(subgraph: Subgraph, name: str) -> str:
    if name in _BUILTIN_SCALARS:
        return "scalar"
    type_def = subgraph.types.get(name)
    return type_def.kind if type_def is not None else "unknown"


def _walk(subgraph: Subgraph, type_name: str, selection_set: SelectionSetNode, use: FieldSetUse, top: bool) -> None:
    parent = subgraph.types.get(type_name)
    for selection in selection_set.selections:
        if selection.directives:
            use.has_directives = True
        if isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition.name.value if selection.type_condition else type_name
            if condition not in subgraph.types:
                use.errors.append(f'Unknown type "{condition}"')
                continue
            _walk(subgraph, condition, selection.selection_set, use, top)
            continue
        if not isinstance(selection, FieldNode):
            use.errors.append("Fragment spreads are not allowed in field sets")
            continue
        name = selection.name.value
        if name == "__typename":
            continue
        definition = parent.fields.get(name) if parent is not None else None
        if definition is None:
            use.errors.append(f'Cannot query field "{name}" on type "{type_name}"')
            continue
        coordinate = f"{type_name}.{name}"
        use.selected.append((type_name, definition))
        if top:
            use.top_level.append(definition)
        if selection.arguments or definition.args:
            use.with_arguments.append(coordinate)
        target = named_type(definition.type)
        kind = _kind(subgraph, target)
        if kind in ("interface", "union"):
            use.abstract_fields.append(coordinate)
        composite = kind in ("object", "interface", "union")
        if composite and selection.selection_set is None:
            use.errors.append(f'Field "{coordinate}" of composite type "{target}" needs a selection of subfields')
        elif not composite and selection.selection_set is not None:
            use.errors.append(f'Field "{coordinate}" of leaf type "{target}" cannot have a selection of subfields')
        elif selection.selection_set is not None:
            _walk(subgraph, target, selection.selection_set, use, top=False)
