"""``max_aliases``: the number of aliased fields, counting every use of a fragment (Apollo's definition)."""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import FieldNode, OperationDefinitionNode, SelectionNode

from router.server.limits._counting import count_selections
from router.server.limits._walk import LimitReached, LimitRule


def _aliased(selection: SelectionNode) -> int:
    return 1 if isinstance(selection, FieldNode) and selection.alias is not None else 0


class MaxAliasesRule(LimitRule):
    code: ClassVar[str] = "MAX_ALIASES_LIMIT"
    what: ClassVar[str] = "aliases"

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        try:
            count_selections(node.selection_set, self.context.get_fragment, _aliased, self.limit)
        except LimitReached:
            self.refuse(node, f"more than {self.limit} aliases")
