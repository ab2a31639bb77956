"""``max_height``: the number of unique fields in an operation (Apollo Router's definition).

A field counts once per position in the response tree, whatever alias or fragment brings it in
again: ``user { id name username: name }`` has height 3. Each fragment is expanded once per
position, so repeated spreads of one fragment cannot make the count expensive. Introspection root fields
are not measured (see :mod:`router.server.limits.depth`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, OperationDefinitionNode, SelectionSetNode

from router.server.limits._walk import INTROSPECTION_ROOTS, LimitReached, LimitRule, Visits


class MaxHeightRule(LimitRule):
    code: ClassVar[str] = "MAX_HEIGHT_LIMIT"
    what: ClassVar[str] = "height"

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        self._seen: set[tuple[str, ...]] = set()
        self._expanded: set[tuple[tuple[str, ...], str]] = set()
        try:
            self._collect(node.selection_set, (), frozenset())
        except LimitReached:
            self.refuse(node, f"more than {self.limit} unique fields")

    def _collect(self, selection_set: SelectionSetNode | None, path: tuple[str, ...], active: frozenset[str]) -> None:
        if selection_set is None:
            return
        Visits.add(len(selection_set.selections))
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not path and selection.name.value in INTROSPECTION_ROOTS:
                    continue
                field_path = (*path, selection.name.value)
                if field_path not in self._seen:
                    self._seen.add(field_path)
                    if len(self._seen) > self.limit:
                        raise LimitReached
                self._collect(selection.selection_set, field_path, active)
            elif isinstance(selection, InlineFragmentNode):
                self._collect(selection.selection_set, path, active)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.context.get_fragment(name)
                if fragment is None or name in active or (path, name) in self._expanded:
                    continue
                self._expanded.add((path, name))
                self._collect(fragment.selection_set, path, active | {name})
