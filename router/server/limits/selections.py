"""``max_recursive_selections``: every selection, fragments expanded at each use (Apollo's key).

This is what stops both fragment "bombs" (fragments that spread each other many times) and field
duplication (``{ me { id id id ... } }``), which the unique-field ``max_height`` does not count
but which still costs time in every later check (validation, planning, execution). Apollo's default
is 10,000,000; ours is far lower (see docs/router.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import OperationDefinitionNode, SelectionNode

from router.server.limits._counting import count_selections
from router.server.limits._walk import LimitReached, LimitRule


def _any(_selection: SelectionNode) -> int:
    return 1


class MaxRecursiveSelectionsRule(LimitRule):
    code: ClassVar[str] = "MAX_RECURSIVE_SELECTIONS_LIMIT"
    what: ClassVar[str] = "selections"

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        try:
            count_selections(node.selection_set, self.context.get_fragment, _any, self.limit)
        except LimitReached:
            self.refuse(node, f"more than {self.limit} selections (fragments expanded)")
