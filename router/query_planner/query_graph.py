"""What each subgraph can do, as the traversal asks it: resolve this field here? enter this entity
there, by which key, from where? how many hops would this sub-selection cost in that subgraph?

Apollo builds an explicit graph (nodes = type-in-subgraph, edges = fields and key hops); we answer
the same questions straight from the supergraph metadata, with memoized lookups.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)

from router.supergraph import FieldInGraph, FieldSet, Supergraph

from .field_sets import provided_field
from .operation import NField, NSelection

UNREACHABLE = 1_000
Memo = dict[tuple[str, str, int, int], int]


@dataclass(frozen=True, slots=True)
class Hop:
    """Enter ``type_name`` in ``graph`` through ``key`` (an ``_entities`` fetch)."""

    graph: str
    key: FieldSet


class QueryGraph:
    def __init__(self, supergraph: Supergraph) -> None:
        self.supergraph = supergraph
        self.schema = supergraph.schema
        self.graphs = list(supergraph.subgraphs)
        self._field_types: dict[tuple[str, str], tuple[str, int]] = {}
        self._routes: dict[tuple[str, str, str], tuple[Hop, ...] | None] = {}

    # -- fields -------------------------------------------------------------------------------

    def field_type(self, type_name: str, field_name: str) -> tuple[str, int]:
        """``(named type, list depth)`` of a field in the supergraph."""
        cache_key = (type_name, field_name)
        cached = self._field_types.get(cache_key)
        if cached is not None:
            return cached
        parent = self.schema.get_type(type_name)
        if not isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) or field_name not in parent.fields:
            raise KeyError(f"{type_name}.{field_name}")
        output: GraphQLOutputType = parent.fields[field_name].type
        depth = 0
        while isinstance(output, (GraphQLNonNull, GraphQLList)):
            if isinstance(output, GraphQLList):
                depth += 1
            output = output.of_type
        result = (get_named_type(output).name, depth)
        self._field_types[cache_key] = result
        return result

    def type_in_graph(self, type_name: str, field_name: str, in_graph: FieldInGraph) -> str | None:
        """The named type of the field in that subgraph when ``@join__field(type:)`` gives one that
        differs from the supergraph's and is known there (else None: use the supergraph's)."""
        if in_graph.type is None:
            return None
        named = in_graph.type.replace("[", "").replace("]", "").replace("!", "").strip()
        if named == self.field_type(type_name, field_name)[0] or self.schema.get_type(named) is None:
            return None
        return named

    def resolvable(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        """The field's join data in ``graph`` when ``graph`` resolves it (not external/overridden)."""
        in_graph = self.supergraph.field_in_graph(type_name, field_name, graph)
        if in_graph is None or not in_graph.resolvable:
            return None
        return in_graph

    def resolvable_graphs(self, type_name: str, field_name: str) -> list[str]:
        meta = self.supergraph.field_meta(type_name, field_name)
        return meta.resolving_graphs() if meta is not None else []

    def can_provide(self, type_name: str, selection_set: SelectionSetNode, graph: str) -> bool:
        """Whether ``graph`` alone can return this field set (e.g. a key) for ``type_name``."""
        for selection in selection_set.selections:
            if isinstance(selection, InlineFragmentNode):
                target = selection.type_condition.name.value if selection.type_condition else type_name
                if not self.can_provide(target, selection.selection_set, graph):
                    return False
            elif isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__typename":
                    continue
                in_graph = self.supergraph.field_in_graph(type_name, name, graph)
                if in_graph is None or in_graph.used_overridden:
                    return False
                if in_graph.external and not self._fed1_key_field(type_name, name, graph):
                    return False  # the subgraph would answer with a placeholder (issue 14, class 3)
                if selection.selection_set is not None:
                    sub_type, _ = self.field_type(type_name, name)
                    if not self.can_provide(sub_type, selection.selection_set, graph):
                        return False
        return True

    def _fed1_key_field(self, type_name: str, field_name: str, graph: str) -> bool:
        """An external key field of a Federation 1 type extension (``extend type T @key(fields:
        "id") { id: ID! @external }``) is still known to the subgraph: it receives it in every
        representation and may return it. Apollo's composition drops ``@external`` from such keys when
        it upgrades Federation 1 subgraphs; a supergraph that keeps it marks the type an extension.
        Anywhere else an external field is only readable under a ``@provides``."""
        meta = self.supergraph.types.get(type_name)
        if meta is None or not meta.is_extension_in(graph):
            return False
        return any(
            any(isinstance(s, FieldNode) and s.name.value == field_name for s in key.selection_set.selections)
            for key in self.supergraph.keys(type_name, graph, resolvable_only=False)
        )

    # -- entity hops --------------------------------------------------------------------------

    def route(self, type_name: str, source: str, target: str) -> tuple[Hop, ...] | None:
        """Fewest key hops to enter ``type_name`` in ``target`` starting from ``source``."""
        cache_key = (type_name, source, target)
        if cache_key in self._routes:
            return self._routes[cache_key]
        result: tuple[Hop, ...] | None = None
        queue: deque[tuple[str, tuple[Hop, ...]]] = deque([(source, ())])
        seen = {source}
        while queue and result is None:
            graph, hops = queue.popleft()
            for candidate in self.graphs:
                if candidate in seen:
                    continue
                key = self.entry_key(type_name, graph, candidate)
                if key is None:
                    continue
                path = (*hops, Hop(candidate, key))
                if candidate == target:
                    result = path
                    break
                seen.add(candidate)
                queue.append((candidate, path))
        self._routes[cache_key] = result
        return result

    def entry_key(self, type_name: str, source: str, target: str) -> FieldSet | None:
        """A resolvable key of ``type_name`` in ``target`` whose fields ``source`` can provide."""
        for key in self.supergraph.keys(type_name, target):
            if self.can_provide(type_name, key.selection_set, source):
                return key
        return None

    # -- costs --------------------------------------------------------------------------------

    def estimate(
        self,
        graph: str,
        type_name: str,
        selections: list[NSelection],
        memo: Memo,
        provided: SelectionSetNode | None = None,
    ) -> int:
        """Rough number of fetches needed below a position in ``graph`` (for choosing between
        subgraphs that can all resolve a field). ``provided``: what a ``@provides`` makes readable
        here (those fields cost nothing, so a path through a providing subgraph wins). ``memo`` lives
        as long as one operation's planning (it is keyed by the identity of that operation's
        selection lists and of the provided field set)."""
        cache_key = (graph, type_name, id(selections), id(provided))
        cached = memo.get(cache_key)
        if cached is not None:
            return cached
        memo[cache_key] = UNREACHABLE  # guards recursive schemas
        cost = 0
        hops: set[str] = set()
        for selection in selections:
            if isinstance(selection, NField):
                cost += self._field_cost(graph, type_name, selection, hops, memo, provided)
            else:
                target = selection.type_condition or type_name
                cost += self.estimate(graph, target, selection.selections, memo, provided)
        cost += len(hops)
        memo[cache_key] = cost
        return cost

    def _field_cost(
        self,
        graph: str,
        type_name: str,
        field: NField,
        hops: set[str],
        memo: Memo,
        provided: SelectionSetNode | None = None,
    ) -> int:
        if field.name == "__typename":
            return 0
        given = provided_field(provided, type_name, field.name)
        if given is not None:
            if field.selections is None:
                return 0
            sub_type, _ = self.field_type(type_name, field.name)
            return self.estimate(graph, sub_type, field.selections, memo, given.selection_set)
        owners = self._owner_types(type_name, field.name)
        if not owners:
            return 0
        best = UNREACHABLE
        best_graph = graph
        for owner in owners:
            for candidate in self.resolvable_graphs(owner, field.name) or [graph]:
                cost = 0 if candidate == graph else 1
                in_graph = self.supergraph.field_in_graph(owner, field.name, candidate)
                if in_graph is not None and in_graph.requires is not None:
                    cost += 1
                if field.selections is not None:
                    sub_type, _ = self.field_type(owner, field.name)
                    inner = in_graph.provides.selection_set if in_graph is not None and in_graph.provides else None
                    cost += self.estimate(candidate, sub_type, field.selections, memo, inner)
                if cost < best:
                    best, best_graph = cost, candidate
        if best_graph != graph:
            hops.add(best_graph)
            return best - 1
        return best

    def _owner_types(self, type_name: str, field_name: str) -> list[str]:
        named = self.schema.get_type(type_name)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)) and field_name in named.fields:
            if isinstance(named, GraphQLInterfaceType) and not self.resolvable_graphs(type_name, field_name):
                return list(self.supergraph.possible_types(type_name))
            return [type_name]
        return []
