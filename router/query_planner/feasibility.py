"""Feasibility checks: can the current subgraph give this field here (itself or under a
``@provides``), and, taking a composite field in one subgraph, can all of its sub-selection still be
fetched? A value type has no key, so what its subgraph cannot give is lost unless a key hop or a
parent-entity call (``reentry``) reaches another subgraph; the traversal asks before choosing.
"""

from __future__ import annotations

from graphql import SelectionSetNode

from router.supergraph import FieldInGraph

from .key_entry import ComposedKeys, Reenter
from .operation import NField, NFragment, NSelection
from .position import Position, provided_field
from .query_graph import QueryGraph
from .reentry import Lineage, ParentEntityCalls


class Feasibility:
    """The traversal's helper for "can this be fetched from there?" questions."""

    def __init__(self, query_graph: QueryGraph, reentry: ParentEntityCalls, keys: ComposedKeys) -> None:
        self.keys = keys
        self.qg = query_graph
        self.supergraph = query_graph.supergraph
        self.reentry = reentry

    def keep_local(self, position: Position, type_name: str, field: NField) -> bool:
        """Whether to take a composite ``field`` in the current subgraph: yes when all of its
        sub-selection can be fetched from here through keys; else only when no other subgraph
        reachable by key can give all of it and parent-entity calls can fetch what is missing."""
        if self.feasible_below(position, type_name, field, position.group.subgraph, reentry=False):
            return True
        source = position.group.subgraph
        for other in self.qg.resolvable_graphs(type_name, field.name):
            if other == source or not self.keys.reachable(type_name, source, other):
                continue
            if self.feasible_below(position, type_name, field, other, reentry=False):
                return False
        return self.feasible_below(position, type_name, field, source, reentry=True)

    def feasible_below(self, position: Position, type_name: str, field: NField, graph: str, *, reentry: bool) -> bool:
        """Whether, taking ``field`` in ``graph``, all of its sub-selection can still be fetched (a
        value type has no key, so what that subgraph cannot give is lost unless an ancestor can be
        re-entered elsewhere: ``reentry``)."""
        if graph == position.group.subgraph:
            local = self.local(position, type_name, field.name)
        else:
            local = self.qg.resolvable(type_name, field.name, graph)
        provided = None
        if local is not None and local.provides is not None:
            provided = local.provides.selection_set
        elif graph == position.group.subgraph:
            outer = provided_field(position.provided, type_name, field.name)
            provided = outer.selection_set if outer is not None else None
        sub_type, _ = self.qg.field_type(type_name, field.name)
        anchor = position if reentry else None
        return self._feasible(
            graph, sub_type, field.selections or [], provided, anchor, type_name, ((type_name, field.name),)
        )

    def _feasible(
        self,
        graph: str,
        type_name: str,
        selections: list[NSelection],
        provided: SelectionSetNode | None,
        position: Position | None,
        position_type: str,
        lineage: Lineage,
    ) -> bool:
        """``position`` (of ``position_type``) is where parent-entity calls would start from; None:
        do not count on them."""
        if self.supergraph.is_abstract(type_name):
            return True  # split per type later; each concrete type is checked when planned
        for selection in selections:
            if isinstance(selection, NFragment):
                condition = selection.type_condition or type_name
                if condition == type_name and not self._feasible(
                    graph, type_name, selection.selections, provided, position, position_type, lineage
                ):
                    return False
                continue
            if selection.name == "__typename":
                continue
            in_graph = self.qg.resolvable(type_name, selection.name, graph)
            sub_provided = provided_field(provided, type_name, selection.name)
            if in_graph is not None or sub_provided is not None:
                if selection.selections is None:
                    continue
                sub_type, _ = self.qg.field_type(type_name, selection.name)
                inner = in_graph.provides.selection_set if in_graph is not None and in_graph.provides else None
                if inner is None and sub_provided is not None:
                    inner = sub_provided.selection_set
                below = (*lineage, (type_name, selection.name))
                if self._feasible(graph, sub_type, selection.selections, inner, position, position_type, below):
                    continue
            others = [g for g in self.qg.resolvable_graphs(type_name, selection.name) if g != graph]
            if not others:
                continue  # reached through an @interfaceObject, or unplannable anyway: not decided here
            reenter = self._reenter_below(position, position_type, lineage) if position is not None else None
            if any(self.keys.reachable(type_name, graph, other, reenter) for other in others):
                continue
            reach = (*lineage, (type_name, selection.name))
            if position is None or not any(
                self.reentry.possible(position, position_type, reach, other) for other in others
            ):
                return False
        return True

    def _reenter_below(self, position: Position, position_type: str, lineage: Lineage) -> Reenter:
        """Whether a key field of the object at ``lineage`` below ``position`` can be fetched from a
        subgraph by re-entering an ancestor there."""

        def reenter(field_type: str, name: str, target: str) -> bool:
            return self.reentry.possible(position, position_type, (*lineage, (field_type, name)), target)

        return reenter

    def local(self, position: Position, type_name: str, name: str) -> FieldInGraph | None:
        graph = position.group.subgraph
        found = self.qg.resolvable(type_name, name, graph)
        if found is not None:
            return found
        if provided_field(position.provided, type_name, name) is not None:
            known = self.supergraph.field_in_graph(type_name, name, graph)
            if known is not None:
                return FieldInGraph(graph, provides=known.provides, type=known.type)
        return None
