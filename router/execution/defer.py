"""``@defer``: split an operation into its primary part and one operation per deferred fragment.

Each deferred fragment becomes an operation of its own that selects the path from the root down to
the fragment's parent (the same fields, arguments and aliases) and, there, only the fragment. The
router runs the primary operation and every deferred one at once, so a deferred fragment gets
fetches of its own that start immediately and never hold back the primary part, even when it is
on an entity the primary part already fetches from the same subgraph; a null inside a deferred part
only concerns that part. The price: a deferred operation fetches its ancestors again.

``@defer(if: false)`` (a literal or a variable) keeps the fragment in the primary part; ``label``
is passed on. A ``@defer`` nested in a deferred fragment is delivered with it (flattened).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    Visitor,
    visit,
)

TYPENAME = FieldNode(name=NameNode(value="__typename"))


@dataclass(frozen=True)
class DeferredPart:
    label: str | None
    path: tuple[str, ...]  # response keys from the root to the fragment's parent object
    document: DocumentNode


@dataclass(frozen=True)
class DeferSplit:
    primary: DocumentNode
    parts: tuple[DeferredPart, ...]


def _defer_of(node: InlineFragmentNode | FragmentSpreadNode, variables: Mapping[str, Any]) -> tuple[bool, str | None]:
    for directive in node.directives or ():
        if directive.name.value != "defer":
            continue
        active, label = True, None
        for argument in directive.arguments or ():
            value = argument.value
            if argument.name.value == "if":
                if isinstance(value, BooleanValueNode):
                    active = value.value
                elif isinstance(value, VariableNode):
                    active = variables.get(value.name.value, True) is not False
            elif argument.name.value == "label" and isinstance(value, StringValueNode):
                label = value.value
        return active, label
    return False, None


def _without_defer(directives: Any) -> tuple[Any, ...]:
    return tuple(d for d in directives or () if d.name.value != "defer")


class _Splitter:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]) -> None:
        self.fragments = fragments
        self.variables = variables
        # (label, response-key path, chain of enclosing nodes, the fragment as an inline fragment)
        self.found: list[tuple[str | None, tuple[str, ...], tuple[SelectionNode, ...], InlineFragmentNode]] = []

    def split(
        self, selection_set: SelectionSetNode, path: tuple[str, ...], chain: tuple[SelectionNode, ...]
    ) -> SelectionSetNode:
        kept: list[SelectionNode] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is None:
                    kept.append(selection)
                    continue
                key = selection.alias.value if selection.alias else selection.name.value
                inner = self.split(selection.selection_set, (*path, key), (*chain, selection))
                kept.append(_with_selections(selection, inner))
            elif isinstance(selection, InlineFragmentNode):
                active, label = _defer_of(selection, self.variables)
                if active:
                    fragment = InlineFragmentNode(
                        type_condition=selection.type_condition,
                        directives=(),
                        selection_set=strip_defer_selections(selection.selection_set),
                    )
                    self.found.append((label, path, chain, fragment))
                    continue
                inner = self.split(selection.selection_set, path, (*chain, selection))
                kept.append(_with_selections(selection, inner, directives=_without_defer(selection.directives)))
            elif isinstance(selection, FragmentSpreadNode):
                active, label = _defer_of(selection, self.variables)
                definition = self.fragments[selection.name.value]
                if active:
                    fragment = InlineFragmentNode(
                        type_condition=definition.type_condition,
                        directives=(),
                        selection_set=strip_defer_selections(definition.selection_set),
                    )
                    self.found.append((label, path, chain, fragment))
                    continue
                inline = InlineFragmentNode(
                    type_condition=definition.type_condition,
                    directives=_without_defer(selection.directives),
                    selection_set=definition.selection_set,
                )
                inner = self.split(definition.selection_set, path, (*chain, inline))
                kept.append(_with_selections(inline, inner))
        return SelectionSetNode(selections=tuple(kept) or (TYPENAME,))


def _with_selections(node: Any, selection_set: SelectionSetNode, directives: Any = None) -> Any:
    copied = type(node)(**{key: getattr(node, key) for key in node.keys if key != "loc"})
    copied.selection_set = selection_set
    if directives is not None:
        copied.directives = directives
    return copied


def strip_defer_selections(selection_set: SelectionSetNode) -> SelectionSetNode:
    """The selections without any ``@defer`` (named fragments are inlined)."""

    class Strip(Visitor):
        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> InlineFragmentNode | None:
            if any(d.name.value == "defer" for d in node.directives or ()):
                copied: InlineFragmentNode = _with_selections(
                    node, node.selection_set, directives=_without_defer(node.directives)
                )
                return copied
            return None

        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> FragmentSpreadNode | None:
            if any(d.name.value == "defer" for d in node.directives or ()):
                return FragmentSpreadNode(name=node.name, directives=_without_defer(node.directives))
            return None

    result: SelectionSetNode = visit(selection_set, Strip())
    return result


def has_defer(document: DocumentNode) -> bool:
    found = False

    class Find(Visitor):
        def enter_directive(self, node: Any, *_: Any) -> None:
            nonlocal found
            if node.name.value == "defer":
                found = True

    visit(document, Find())
    return found


def strip_defer(document: DocumentNode, operation_name: str | None = None) -> DocumentNode:
    """The operation without ``@defer`` (and the variables only its ``if:`` used): what a client
    without a streaming ``Accept`` gets run. Unknown names leave the document to validation."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o for o in operations if operation_name is None or (o.name is not None and o.name.value == operation_name)
    ]
    if len(chosen) != 1:
        return document
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _document(chosen[0], strip_defer_selections(chosen[0].selection_set), fragments)


def split_defer(document: DocumentNode, operation: OperationDefinitionNode, variables: Mapping[str, Any]) -> DeferSplit:
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    splitter = _Splitter(fragments, variables)
    primary_selections = splitter.split(operation.selection_set, (), ())
    primary = _document(operation, primary_selections, fragments)
    parts = []
    for label, path, chain, fragment in splitter.found:
        selection: SelectionNode = fragment
        for node in reversed(chain):
            selection = _with_selections(node, SelectionSetNode(selections=(selection,)))
        parts.append(
            DeferredPart(label, path, _document(operation, SelectionSetNode(selections=(selection,)), fragments))
        )
    return DeferSplit(primary, tuple(parts))


def _document(
    operation: OperationDefinitionNode, selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> DocumentNode:
    """An operation over ``selection_set`` with only the variables and fragments it uses (validation requires it)."""
    used_fragments: dict[str, FragmentDefinitionNode] = {}
    variables: set[str] = set()

    class Uses(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
            name = node.name.value
            if name not in used_fragments and name in fragments:
                used_fragments[name] = fragments[name]
                visit(fragments[name], self)

        def enter_variable(self, node: VariableNode, *_: Any) -> None:
            variables.add(node.name.value)

    visit(selection_set, Uses())
    defined = tuple(v for v in operation.variable_definitions or () if v.variable.name.value in variables)
    copied = OperationDefinitionNode(
        operation=operation.operation,
        name=operation.name,
        variable_definitions=defined,
        directives=operation.directives,
        selection_set=selection_set,
    )
    return DocumentNode(
        definitions=(
            copied,
            *(strip_defer(DocumentNode(definitions=(f,))).definitions[0] for f in used_fragments.values()),
        )
    )
