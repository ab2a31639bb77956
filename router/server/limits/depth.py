"""``max_depth``: the deepest nesting of fields, fragments included (Apollo Router's definition).

A root field has depth 1; inline fragments and fragment spreads add nothing of their own. A
fragment's depth is computed once and reused, so spreading one fragment many times costs nothing.
Introspection root fields (``__schema``, ``__type``) are not measured: their answer is bounded by
the schema, they are served by the router itself, and GraphiQL's own introspection query nests
its type references deeper than any sensible limit for data queries.
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode

from router.server.limits._walk import INTROSPECTION_ROOTS, LimitRule, Visits


class MaxDepthRule(LimitRule):
    code: ClassVar[str] = "MAX_DEPTH_LIMIT"
    what: ClassVar[str] = "depth"

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self._fragment_depth: dict[str, int] = {}
        depth = self._depth(node.selection_set, frozenset(), root=True)
        if depth > self.limit:
            self.refuse(node, f"depth {depth}")

    def _depth(self, selection_set: SelectionSetNode | None, active: frozenset[str], *, root: bool = False) -> int:
        if selection_set is None:
            return 0
        deepest = 0
        Visits.add(len(selection_set.selections))
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if root and selection.name.value in INTROSPECTION_ROOTS:
                    continue
                found = 1 + self._depth(selection.selection_set, active)
            elif isinstance(selection, InlineFragmentNode):
                found = self._depth(selection.selection_set, active, root=root)
            elif isinstance(selection, FragmentSpreadNode):
                found = self._spread_depth(selection.name.value, active)
            else:
                found = 0
            deepest = max(deepest, found)
            if deepest > self.limit:
                break
        return deepest

    def _spread_depth(self, name: str, active: frozenset[str]) -> int:
        cached = self._fragment_depth.get(name)
        if cached is not None:
            return cached
        fragment = self.context.get_fragment(name)
        if fragment is None or name in active:
            return 0  # unknown fragments and cycles are reported by their own rules
        depth = self._depth(fragment.selection_set, active | {name})
        self._fragment_depth[name] = depth
        return depth
