"""``max_root_fields``: the number of root fields, each use through a fragment counted (Apollo's definition)."""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import FieldNode, OperationDefinitionNode, SelectionNode

from router.server.limits._counting import count_selections
from router.server.limits._walk import LimitReached, LimitRule


def _root_field(selection: SelectionNode) -> int:
    return 1 if isinstance(selection, FieldNode) else 0


class MaxRootFieldsRule(LimitRule):
    code: ClassVar[str] = "MAX_ROOT_FIELDS_LIMIT"
    what: ClassVar[str] = "root fields"

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        try:
            count_selections(
                node.selection_set, self.context.get_fragment, _root_field, self.limit, recurse_into_fields=False
            )
        except LimitReached:
            self.refuse(node, f"more than {self.limit} root fields")
