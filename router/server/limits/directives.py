"""``max_directives``: the number of directives applied, counting every use of a fragment.

Without it a "directive flood" (``{ me @skip(if: false) @skip(if: false) ... }``) stays under
every selection limit while validation reports one error per repeated directive and the planner
evaluates each. Directives on the operation itself count too; those on fragment definitions count
once per spread.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import FragmentSpreadNode, OperationDefinitionNode, SelectionNode

from router.server.limits._counting import count_selections
from router.server.limits._walk import LimitReached, LimitRule


class MaxDirectivesRule(LimitRule):
    code: ClassVar[str] = "MAX_DIRECTIVES_LIMIT"
    what: ClassVar[str] = "directives"

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        def weight(selection: SelectionNode) -> int:
            count = len(selection.directives or ())
            if isinstance(selection, FragmentSpreadNode):
                fragment = self.context.get_fragment(selection.name.value)
                if fragment is not None:
                    count += len(fragment.directives or ())
            return count

        try:
            own = len(node.directives or ())
            if own > self.limit:
                raise LimitReached
            count_selections(node.selection_set, self.context.get_fragment, weight, self.limit - own)
        except LimitReached:
            self.refuse(node, f"more than {self.limit} directives")
