"""Normalize a client operation: pick it, inline fragments, evaluate literal ``@skip``/``@include``.

The result is a small tree of :class:`NField` / :class:`NFragment` that the traversal walks. Variable
conditions (``@include(if: $v)``) are kept on the selection as :class:`Condition`s; other directives
are passed through to the subgraph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
)


class PlanningError(Exception):
    """The operation cannot be planned (unknown operation name, a field no subgraph resolves...)."""


@dataclass(frozen=True, slots=True)
class Condition:
    """``@include(if: $variable)`` (``negated`` False) or ``@skip(if: $variable)`` (True)."""

    variable: str
    negated: bool


@dataclass(slots=True)
class NField:
    name: str
    alias: str | None
    arguments: tuple[ArgumentNode, ...]
    directives: tuple[DirectiveNode, ...]  # passed through, variable @skip/@include included
    conditions: tuple[Condition, ...]
    selections: list[NSelection] | None

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(slots=True)
class NFragment:
    type_condition: str | None
    directives: tuple[DirectiveNode, ...]
    conditions: tuple[Condition, ...]
    selections: list[NSelection] = field(default_factory=list)


NSelection = NField | NFragment


@dataclass(slots=True)
class NormalizedOperation:
    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    variables: dict[str, VariableDefinitionNode]
    selections: list[NSelection]


def select_operation(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        if len(operations) != 1:
            raise PlanningError("the document must contain exactly one operation, or an operation name must be given")
        return operations[0]
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise PlanningError(f"unknown operation named {operation_name!r}")


def _conditions(directives: tuple[DirectiveNode, ...]) -> tuple[bool, tuple[DirectiveNode, ...], tuple[Condition, ...]]:
    """``(included, kept_directives, variable_conditions)`` after evaluating literal skip/include."""
    kept: list[DirectiveNode] = []
    conditions: list[Condition] = []
    for directive in directives:
        name = directive.name.value
        if name not in ("skip", "include"):
            kept.append(directive)
            continue
        value = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        if isinstance(value, BooleanValueNode):
            if value.value != (name == "include"):
                return False, (), ()
        elif isinstance(value, VariableNode):
            kept.append(directive)
            conditions.append(Condition(value.name.value, name == "skip"))
    return True, tuple(kept), tuple(conditions)


class _Normalizer:
    def __init__(self, document: DocumentNode) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def selections(self, selection_set: SelectionSetNode, active: frozenset[str] = frozenset()) -> list[NSelection]:
        out: list[NSelection] = []
        for selection in selection_set.selections:
            included, directives, conditions = _conditions(tuple(selection.directives or ()))
            if not included:
                continue
            if isinstance(selection, FieldNode):
                sub = self.selections(selection.selection_set, active) if selection.selection_set else None
                out.append(
                    NField(
                        selection.name.value,
                        selection.alias.value if selection.alias else None,
                        tuple(selection.arguments or ()),
                        directives,
                        conditions,
                        sub,
                    )
                )
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                out.append(
                    NFragment(condition, directives, conditions, self.selections(selection.selection_set, active))
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                definition = self.fragments.get(name)
                if definition is None:
                    raise PlanningError(f"unknown fragment {name!r}")
                if name in active:
                    raise PlanningError(f"fragment {name!r} spreads itself")
                sub = self.selections(definition.selection_set, active | {name})
                out.append(NFragment(definition.type_condition.name.value, directives, conditions, sub))
        return out


def normalize(document: DocumentNode, operation_name: str | None) -> NormalizedOperation:
    operation = select_operation(document, operation_name)
    variables = {v.variable.name.value: v for v in operation.variable_definitions or ()}
    selections = _Normalizer(document).selections(operation.selection_set)
    return NormalizedOperation(
        operation.operation.value,
        operation.name.value if operation.name else None,
        variables,
        selections,
    )
