"""Reading ``@provides`` field sets: which field of a type a provided selection makes readable."""

from __future__ import annotations

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode


def provided_field(provided: SelectionSetNode | None, type_name: str, name: str) -> FieldNode | None:
    if provided is None:
        return None
    for selection in provided.selections:
        if isinstance(selection, FieldNode) and selection.name.value == name:
            return selection
        if isinstance(selection, InlineFragmentNode) and (
            selection.type_condition is None or selection.type_condition.name.value == type_name
        ):
            found = provided_field(selection.selection_set, type_name, name)
            if found is not None:
                return found
    return None
