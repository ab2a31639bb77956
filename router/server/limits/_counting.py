"""A walk that counts selections with fragments expanded at every use, stopping past a limit."""

from __future__ import annotations

from collections.abc import Callable

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
)

from router.server.limits._walk import LimitReached


def count_selections(
    selection_set: SelectionSetNode,
    fragments: Callable[[str], FragmentDefinitionNode | None],
    counts: Callable[[SelectionNode, int], bool],
    limit: int,
    *,
    recurse_into_fields: bool = True,
) -> int:
    """How many selections ``counts(selection, depth)`` accepts; :class:`LimitReached` past ``limit``."""
    total = 0

    def walk(selections: SelectionSetNode | None, depth: int, active: frozenset[str]) -> None:
        nonlocal total
        if selections is None:
            return
        for selection in selections.selections:
            if counts(selection, depth):
                total += 1
                if total > limit:
                    raise LimitReached
            if isinstance(selection, FieldNode):
                if recurse_into_fields:
                    walk(selection.selection_set, depth + 1, active)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set, depth, active)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments(name)
                if fragment is not None and name not in active:
                    walk(fragment.selection_set, depth, active | {name})

    walk(selection_set, 0, frozenset())
    return total
