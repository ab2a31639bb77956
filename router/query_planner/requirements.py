"""Keys and ``@requires`` field sets: adding them to fetches and shaping the representations.

A required field may clash with a client field of the same response key but other arguments
(``price(currency: EUR)`` required, ``price(currency: USD)`` asked): the required one is then
fetched under an alias ``price__alias_N`` and the representation reads it from there
(``FieldRequirement.alias``). Two requirements of one field with different arguments cannot share a
representation, so they go to separate entity fetches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import FieldNode, InlineFragmentNode, SelectionSetNode

from .operation import NField, NFragment, NSelection
from .selection import FetchField, FetchFragment, FetchSelectionSet, arguments_text

if TYPE_CHECKING:
    from router.supergraph import FieldSet

    from .planning_traversal import PlanningTraversal, Position


class RequirementPlanner:
    """The traversal's helper for keys and requirements (it plans required fields through it)."""

    def __init__(self, traversal: PlanningTraversal) -> None:
        self.traversal = traversal
        self.position_keys: dict[tuple[tuple[str, ...], str], dict[str, tuple[str, str]]] = {}

    def plan_requirements(self, position: Position, type_name: str, requires: FieldSet) -> FetchSelectionSet:
        """Plan the fields of ``requires`` at ``position``; return the representation shape."""
        shape = FetchSelectionSet()
        selections = self._required_selections(position, type_name, requires.selection_set, shape, top=True)
        self.traversal.plan_selections(position, type_name, selections)
        return shape

    def _required_selections(
        self,
        position: Position,
        type_name: str,
        selection_set: SelectionSetNode,
        shape: FetchSelectionSet,
        *,
        top: bool,
    ) -> list[NSelection]:
        out: list[NSelection] = []
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition.name.value if selection.type_condition else None
                inner = shape.add_fragment(condition)
                sub = self._required_selections(
                    position, condition or type_name, selection.selection_set, inner.selections, top=top
                )
                out.append(NFragment(condition, (), (), sub))
                continue
            if not isinstance(selection, FieldNode):
                continue
            name = selection.name.value
            arguments = tuple(selection.arguments or ())
            alias = self._requirement_alias(position, type_name, name, arguments_text(arguments)) if top else None
            added = shape.add_field(name, alias, arguments, composite=selection.selection_set is not None)
            children: list[NSelection] | None = None
            if selection.selection_set is not None and added.selections is not None:
                sub_type, _ = self.traversal.qg.field_type(type_name, name)
                children = self._required_selections(
                    position, sub_type, selection.selection_set, added.selections, top=False
                )
            out.append(NField(name, alias, arguments, (), (), children))
        return out

    def _requirement_alias(self, position: Position, type_name: str, name: str, args: str) -> str | None:
        keys = self.position_keys.get((position.path, type_name))
        if keys is None:
            keys = self.position_keys[(position.path, type_name)] = dict(position.siblings)
        signature = (name, args)
        current = keys.get(name)
        if current is None:
            keys[name] = signature
            return None
        if current == signature:
            return None
        for key, value in keys.items():
            if value == signature and key != name:
                return key
        alias = f"{name}__alias_{sum(1 for k in keys if k.startswith(name + '__alias_'))}"
        keys[alias] = signature
        return alias

    def add_key(
        self,
        selection: FetchSelectionSet,
        type_name: str,
        key: SelectionSetNode,
        shape: FetchSelectionSet,
        *,
        typename: bool = True,
    ) -> None:
        """Select ``__typename`` and the key fields first in ``selection``; mirror them in ``shape``.

        ``typename`` is False right inside an ``_entities`` fetch, whose objects already have it."""
        shape.add_field("__typename")
        self._add_key_fields(selection, type_name, key, shape, front=True)
        if typename:
            selection.add_field("__typename", front=True)

    def _add_key_fields(
        self,
        selection: FetchSelectionSet,
        type_name: str,
        key: SelectionSetNode,
        shape: FetchSelectionSet,
        *,
        front: bool,
    ) -> None:
        items = list(key.selections)
        for item in items:  # the shape in key order
            if isinstance(item, FieldNode):
                shape.add_field(item.name.value, composite=item.selection_set is not None)
        for item in reversed(items) if front else items:
            if isinstance(item, FieldNode):
                name = item.name.value
                added = selection.add_field(
                    name, arguments=tuple(item.arguments or ()), composite=item.selection_set is not None, front=front
                )
                if item.selection_set is not None and added.selections is not None:
                    sub_type, _ = self.traversal.qg.field_type(type_name, name)
                    inner_shape = shape.items[name]
                    assert isinstance(inner_shape, FetchField)
                    assert inner_shape.selections is not None
                    self._add_key_fields(
                        added.selections, sub_type, item.selection_set, inner_shape.selections, front=False
                    )
            elif isinstance(item, InlineFragmentNode):
                condition = item.type_condition.name.value if item.type_condition else type_name
                inner = selection.add_fragment(condition)
                inner_shape_fragment = shape.add_fragment(condition)
                self._add_key_fields(
                    inner.selections, condition, item.selection_set, inner_shape_fragment.selections, front=False
                )

    @staticmethod
    def compatible(existing: FetchSelectionSet, required: FetchSelectionSet) -> bool:
        """False when both read one field name from different response keys (different arguments)."""
        sources: dict[str, str] = {}
        for item in existing:
            if isinstance(item, FetchField):
                sources[item.name] = item.response_key
        for item in required:
            if isinstance(item, FetchField) and sources.get(item.name, item.response_key) != item.response_key:
                return False
        return True

    @classmethod
    def merge_shape(cls, target: FetchSelectionSet, source: FetchSelectionSet) -> None:
        for item in source:
            if isinstance(item, FetchField):
                added = target.add_field(item.name, item.alias, item.arguments, composite=item.selections is not None)
                if item.selections is not None and added.selections is not None:
                    cls.merge_shape(added.selections, item.selections)
            elif isinstance(item, FetchFragment):
                fragment = target.add_fragment(item.type_condition)
                cls.merge_shape(fragment.selections, item.selections)
