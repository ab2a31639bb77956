"""A count over an operation with fragments expanded at every use, each fragment walked only once.

A fragment's count does not depend on where it is spread, so it is computed on its first use and
added again from the memo at every later use: a "bomb" of fragments that each spread the previous
one twice costs one walk of its text, not 2**levels. The count stops as soon as it passes the limit.
"""

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

from router.server.limits._walk import LimitReached, Visits


def count_selections(
    selection_set: SelectionSetNode,
    fragments: Callable[[str], FragmentDefinitionNode | None],
    weight: Callable[[SelectionNode], int],
    limit: int,
    *,
    recurse_into_fields: bool = True,
) -> int:
    """The sum of ``weight(selection)`` over the expanded operation; :class:`LimitReached` past ``limit``.

    With ``recurse_into_fields=False`` only the root level (fragments and inline fragments
    included) is counted. Fragment cycles count nothing on the way back (their own rule reports them).
    """
    memo: dict[str, int] = {}
    active: set[str] = set()

    def walk(selections: SelectionSetNode | None) -> int:
        if selections is None:
            return 0
        total = 0
        Visits.add(len(selections.selections))
        for selection in selections.selections:
            total += weight(selection)
            if isinstance(selection, FieldNode):
                if recurse_into_fields:
                    total += walk(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += spread(selection.name.value)
            if total > limit:
                raise LimitReached
        return total

    def spread(name: str) -> int:
        found = memo.get(name)
        if found is not None:
            return found
        fragment = fragments(name)
        if fragment is None or name in active:
            return 0
        active.add(name)
        try:
            found = walk(fragment.selection_set)
        finally:
            active.discard(name)
        memo[name] = found
        return found

    return walk(selection_set)
