"""Entering an entity by a key whose fields the current subgraph cannot all give.

A key such as ``id pid category { id tag }`` may mix fields of several subgraphs: the subgraph the
planner stands in has ``id``, another has ``pid``, a third ``category { id tag }``; or the object was
taken from a subgraph where its type has no key at all (a value type), and only a parent-entity call
into another subgraph gives the key (``category { id }`` from B while ``details`` came from A). Like
Apollo's key edges with conditions, such a key is planned as a requirement: its fields are planned at
the object's position (wherever they live), the entity fetch waits for those fetches and its
representation reads the key fields from the merged response.

This module only decides *whether* a key is obtainable; the traversal plans it (``enter``).
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import FieldNode, SelectionSetNode

from router.supergraph import FieldSet

from .position import Position, provided_field
from .query_graph import QueryGraph
from .reentry import ParentEntityCalls

EntryInProgress = tuple[str, str, tuple[str, ...]]
# (object type, key field, subgraph) → can a parent-entity call fetch that key field there?
Reenter = Callable[[str, str, str], bool]


class ComposedKeys:
    """Finds a key of an entity in a target subgraph whose fields can be gathered from here."""

    def __init__(self, query_graph: QueryGraph, reentry: ParentEntityCalls) -> None:
        self.qg = query_graph
        self.supergraph = query_graph.supergraph
        self.reentry = reentry
        # Entries being planned: a key field that itself needs the same entry is not obtainable.
        self.in_progress: set[EntryInProgress] = set()

    def key(self, position: Position, type_name: str, target: str) -> FieldSet | None:
        """A resolvable key of ``type_name`` in ``target`` whose fields are obtainable at ``position``."""
        if target == position.group.subgraph or (type_name, target, position.path) in self.in_progress:
            return None
        if self.supergraph.is_abstract(type_name) and not self.supergraph.type_in_graph(type_name, target):
            return None

        def reenter(field_type: str, name: str, graph: str) -> bool:
            return self.reentry.possible(position, field_type, ((field_type, name),), graph)

        for key in self.supergraph.keys(type_name, target):
            if self.obtainable(type_name, key.selection_set, position.group.subgraph, target, reenter):
                return key
        return None

    def provided_key(self, position: Position, type_name: str, target: str) -> FieldSet | None:
        """A key of ``type_name`` in ``target`` that the current subgraph gives at ``position`` by
        itself, counting fields a ``@provides`` above makes readable here (an external field is
        readable nowhere else)."""
        source = position.group.subgraph
        if source == target or position.provided is None:
            return None
        for key in self.supergraph.keys(type_name, target):
            if all(self._given(position, type_name, item) for item in key.selection_set.selections):
                return key
        return None

    def _given(self, position: Position, type_name: str, item: object) -> bool:
        if not isinstance(item, FieldNode):
            return False
        if self.qg.can_provide(type_name, SelectionSetNode(selections=(item,)), position.group.subgraph):
            return True
        provided = provided_field(position.provided, type_name, item.name.value)
        if provided is None:
            return False
        if item.selection_set is None:
            return True
        if provided.selection_set is None:
            return False
        inner = {s.name.value for s in provided.selection_set.selections if isinstance(s, FieldNode)}
        return all(isinstance(s, FieldNode) and s.name.value in inner for s in item.selection_set.selections)

    def reachable(self, type_name: str, source: str, target: str, reenter: Reenter | None = None) -> bool:
        """Whether ``target`` can be entered from ``source`` by a single key or a composed one
        (parent-entity calls for key fields only when ``reenter`` says where they are possible)."""
        if source == target:
            return False
        if self.qg.route(type_name, source, target) is not None:
            return True
        if self.supergraph.is_abstract(type_name) and not self.supergraph.type_in_graph(type_name, target):
            return False
        return any(
            self.obtainable(type_name, key.selection_set, source, target, reenter)
            for key in self.supergraph.keys(type_name, target)
        )

    def obtainable(
        self,
        type_name: str,
        selection_set: SelectionSetNode,
        source: str,
        target: str,
        reenter: Reenter | None,
    ) -> bool:
        """Whether every field of the key can be fetched for an object taken from ``source``: from
        ``source``, from a subgraph a key leads to, or by a parent-entity call (``reenter``); never
        from ``target`` itself, which is what we are trying to enter."""
        for selection in selection_set.selections:
            if not isinstance(selection, FieldNode):
                return False  # type conditions in keys: left to the single-subgraph route
            name = selection.name.value
            if name == "__typename":
                continue
            single = SelectionSetNode(selections=(selection,))
            if self.qg.can_provide(type_name, single, source):
                continue
            graphs = [g for g in self.qg.resolvable_graphs(type_name, name) if g != target]
            if not graphs:
                return False
            sub = selection.selection_set
            sub_type = self.qg.field_type(type_name, name)[0] if sub is not None else ""

            def gives(graph: str, sub: SelectionSetNode | None = sub, sub_type: str = sub_type) -> bool:
                return sub is None or self.qg.can_provide(sub_type, sub, graph)

            if any(self.qg.route(type_name, source, g) is not None and gives(g) for g in graphs):
                continue
            if reenter is not None and any(gives(g) and reenter(type_name, name, g) for g in graphs):
                continue
            return False
        return True
