"""Parent-entity calls: reach a field that no key leads to by re-entering an ancestor.

A value type (no ``@key``), or an entity with no key usable from here, cannot be entered in another
subgraph. When a field of such an object lives only elsewhere (a ``@shareable`` field whose child
type or union members differ per subgraph, ``Category.details`` known only where ``Category`` is a
value type), the planner walks up the response path to the nearest ancestor it *can* enter there (an
entity with a usable key, or the query root), re-selects the path from that ancestor down to the
object in that subgraph, and plans the field at the bottom. Every field on the way must be resolvable
in that subgraph (shareable), so it returns the same objects the client is looking at.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .position import Position, siblings_of
from .selection import FetchSelectionSet

if TYPE_CHECKING:
    from .operation import NField
    from .traversal_api import Traversal

Lineage = tuple[tuple[str, str], ...]  # (parent type, field name) from an object down


class ParentEntityCalls:
    def __init__(self, traversal: Traversal) -> None:
        self.traversal = traversal

    def possible(self, position: Position, type_name: str, lineage: Lineage, target: str) -> bool:
        """Whether the fields of ``lineage`` below the object at ``position`` (of ``type_name``)
        can be fetched from ``target`` by re-entering that object or one of its ancestors."""
        qg = self.traversal.qg
        if any(qg.resolvable(parent, name, target) is None for parent, name in lineage):
            return False
        current: Position | None = position
        current_type = type_name
        while current is not None:
            if self._enterable(current, current_type, target):
                return True
            if current.parent is None:
                return False
            above, above_type, field = current.parent
            if qg.resolvable(above_type, field.name, target) is None:
                return False
            current, current_type = above, above_type
        return False

    def reenter(self, position: Position, type_name: str, target: str) -> Position | None:
        """A position in ``target`` for the same object as ``position``, reached from an ancestor."""
        qg = self.traversal.qg
        chain: list[tuple[str, NField, str]] = []  # (parent type, field, the object's type below)
        current, current_type = position, type_name
        while True:
            parent = current.parent
            if parent is None:
                return None
            above, above_type, field = parent
            if qg.resolvable(above_type, field.name, target) is None:
                return None
            chain.append((above_type, field, current_type))
            current, current_type = above, above_type
            entered = self._enter(current, current_type, target, position)
            if entered is not None:
                break
        for parent_type, field, object_type in reversed(chain):
            entered = self._descend(entered, parent_type, field, object_type)
        return entered

    # -- helpers ----------------------------------------------------------------------------------

    def _is_query_root(self, position: Position, type_name: str) -> bool:
        traversal = self.traversal
        query = traversal.supergraph.schema.query_type
        return (
            not position.path and traversal.operation.kind == "query" and query is not None and type_name == query.name
        )

    def _enterable(self, position: Position, type_name: str, target: str) -> bool:
        if self._is_query_root(position, type_name):
            return True
        traversal = self.traversal
        if traversal.supergraph.is_abstract(type_name) or not traversal.supergraph.keys(type_name, target):
            return False
        return traversal.qg.route(type_name, position.group.subgraph, target) is not None

    def _enter(self, position: Position, type_name: str, target: str, bottom: Position) -> Position | None:
        if not self._enterable(position, type_name, target):
            return None
        traversal = self.traversal
        if self._is_query_root(position, type_name):
            group = traversal.graph.root_group(target, type_name, 0)
            return Position(group, group.selection, (), None, bottom.conditions, position.siblings, None)
        return traversal.enter(_with_conditions(position, bottom), type_name, target, None)

    def _descend(self, position: Position, parent_type: str, field: NField, object_type: str) -> Position:
        traversal = self.traversal
        added = position.selection.add_field(field.name, field.alias, field.arguments, field.directives, composite=True)
        assert added.selections is not None
        traversal.use(position.group, position.conditions)
        sub_type, depth = traversal.qg.field_type(parent_type, field.name)
        selection: FetchSelectionSet = added.selections
        if traversal.supergraph.is_abstract(sub_type):
            selection.add_field("__typename", front=True)
            if object_type != sub_type:
                selection = selection.add_fragment(object_type).selections
        path = (*position.path, field.response_key, *(["@"] * depth))
        return Position(
            position.group,
            selection,
            path,
            None,
            position.conditions,
            siblings_of(field.selections),
            (position, parent_type, field),
        )


def _with_conditions(position: Position, bottom: Position) -> Position:
    from dataclasses import replace

    return replace(position, conditions=bottom.conditions)
