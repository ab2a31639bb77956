"""Planning a deferred fragment on an entity from the primary part's results (``@defer``).

The deferred part of ``... @defer { f g }`` on an entity ``T`` at response path ``p`` does not start
from the root: its plan starts with an ``_entities`` fetch (``Flatten(p)``) of one subgraph ``S``
that resolves ``T`` by a key, whose representations (``__typename`` and that key) are read from the
primary part's results at ``p``; whatever else the fragment needs follows as ordinary entity hops.
This is Apollo's ``DeferNode`` idea (a deferred node that depends on the primary fetches), run by
:mod:`router.server.subscriptions.incremental` as soon as the primary fetches selecting the hidden
key are merged (:mod:`router.execution.defer_inputs`).

``S`` is the subgraph with a resolvable key of ``T`` (all of its fields visible to clients, so the
primary part can select it) that resolves most of the fragment's top-level fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import FieldNode, GraphQLObjectType, InlineFragmentNode, SelectionSetNode

from router.supergraph import FieldSet, Supergraph

from .fetch_dependency_graph import FetchDependencyGraph
from .operation import NFragment, NormalizedOperation, NSelection, PlanningError
from .planning_traversal import PlanningTraversal
from .position import Position, siblings_of
from .query_graph import QueryGraph
from .selection import FetchSelectionSet


@dataclass(frozen=True, slots=True)
class DeferredEntry:
    """Where a deferred fragment's plan starts: entities of ``type_name`` in ``subgraph`` by ``key``."""

    type_name: str
    subgraph: str
    key: FieldSet


def deferred_entry(supergraph: Supergraph, type_name: str, field_names: list[str]) -> DeferredEntry | None:
    """The entry for a deferred fragment selecting ``field_names`` on ``type_name``; None when the
    type is not an entity any subgraph resolves by a key the client may select."""
    api_type = supergraph.api_schema.get_type(type_name)
    if not isinstance(api_type, GraphQLObjectType):
        return None
    meta = supergraph.types.get(type_name)
    if meta is None:
        return None
    best: tuple[int, int, DeferredEntry] | None = None
    for order, graph in enumerate(meta.graphs):
        if meta.is_interface_object_in(graph):
            continue
        for key in supergraph.keys(type_name, graph):
            if not _visible(key.selection_set, api_type):
                continue
            resolved = 0
            for name in field_names:
                field_meta = supergraph.field_meta(type_name, name)
                if field_meta is not None and graph in field_meta.resolving_graphs():
                    resolved += 1
            candidate = (-resolved, order, DeferredEntry(type_name, graph, key))
            if best is None or candidate[:2] < best[:2]:
                best = candidate
            break
    return best[2] if best is not None else None


def _visible(selection_set: SelectionSetNode, api_type: GraphQLObjectType) -> bool:
    for selection in selection_set.selections:
        if isinstance(selection, InlineFragmentNode):
            return False  # keys on abstract fields: not handled here
        assert isinstance(selection, FieldNode)
        if selection.name.value not in api_type.fields:
            return False
        if selection.selection_set is not None:
            inner = api_type.fields[selection.name.value].type
            while hasattr(inner, "of_type"):
                inner = inner.of_type
            if not isinstance(inner, GraphQLObjectType) or not _visible(selection.selection_set, inner):
                return False
    return True


def fragment_at(operation: NormalizedOperation, depth: int) -> NFragment:
    """The deferred fragment of a deferred part's operation: ``depth`` enclosing selections down."""
    selections = operation.selections
    for _ in range(depth):
        if len(selections) != 1 or selections[0].selections is None:
            raise PlanningError("a deferred part's operation is one chain of selections")
        selections = selections[0].selections
    if len(selections) != 1 or not isinstance(selections[0], NFragment):
        raise PlanningError("a deferred part's operation ends with its fragment")
    return selections[0]


class DeferredTraversal(PlanningTraversal):
    """Plans one deferred fragment from an entity fetch of ``entry`` at ``merge_path`` (no parents)."""

    def __init__(
        self,
        supergraph: Supergraph,
        query_graph: QueryGraph,
        operation: NormalizedOperation,
        entry: DeferredEntry,
        merge_path: tuple[str, ...],
        fragment: NFragment,
    ) -> None:
        super().__init__(supergraph, query_graph, operation)
        self.entry = entry
        self.merge_path = merge_path
        self.fragment = fragment

    def plan(self) -> FetchDependencyGraph:
        entry = self.entry
        group = self.graph.entity_group(entry.subgraph, self.merge_path, ())
        inputs = group.inputs.add_fragment(entry.type_name)
        inputs.selections.add_field("__typename")
        _add_key(inputs.selections, entry.key.selection_set)
        conditions = frozenset(self.fragment.conditions)
        group.note_use(conditions)
        selections: list[NSelection] = self.fragment.selections
        target = group.selection.add_fragment(entry.type_name)
        position = Position(group, target.selections, self.merge_path, None, conditions, siblings_of(selections))
        self.plan_selections(position, entry.type_name, selections)
        return self.graph


def _add_key(target: FetchSelectionSet, selection_set: SelectionSetNode) -> None:
    for selection in selection_set.selections:
        assert isinstance(selection, FieldNode)
        composite = selection.selection_set is not None
        added = target.add_field(selection.name.value, composite=composite)
        if selection.selection_set is not None and added.selections is not None:
            _add_key(added.selections, selection.selection_set)


__all__ = ["DeferredEntry", "DeferredTraversal", "deferred_entry", "fragment_at"]
