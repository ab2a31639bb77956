"""Entering an entity in another subgraph: the traversal's ``enter`` and ``hop``.

``enter`` follows the fewest key hops to the target (or a key a ``@provides`` makes readable here);
when no single subgraph gives a key, the key is planned as a requirement (``key_entry``). A
``@requires`` is planned at the object's position first, and the entity fetch waits for the groups
it landed in. ``hop`` adds the key (and ``__typename``) to the current fetch and opens, or joins,
the entity fetch group of the target at the same response path.
"""

from __future__ import annotations

from router.query_plan import FetchRewrite
from router.supergraph import FieldSet, Supergraph

from .fetch_dependency_graph import ConditionSet, FetchDependencyGraph, FetchGroup
from .key_entry import ComposedKeys
from .operation import PlanningError
from .position import Position
from .query_graph import Hop, QueryGraph
from .requirements import RequirementPlanner
from .selection import FetchSelectionSet


class EntityEntry:
    """Mixed into the planning traversal, which provides these attributes."""

    supergraph: Supergraph
    qg: QueryGraph
    graph: FetchDependencyGraph
    requirements: RequirementPlanner
    composed_keys: ComposedKeys
    collectors: list[set[FetchGroup]]

    def use(self, group: FetchGroup, conditions: ConditionSet) -> None:
        raise NotImplementedError

    def _is_interface_object(self, type_name: str, graph: str) -> bool:
        meta = self.supergraph.types.get(type_name)
        return meta is not None and meta.is_interface_object_in(graph)

    def enter(self, position: Position, type_name: str, target: str, requires: FieldSet | None) -> Position:
        """Continue in an entity fetch of ``target`` for the object at ``position``."""
        source = position.group.subgraph
        if target == source:
            key = self.qg.entry_key(type_name, source, source)
            if key is None:
                raise PlanningError(f"{type_name} has no resolvable key in {source!r} (needed for @requires)")
            route: tuple[Hop, ...] = (Hop(source, key),)
        else:
            provided = self.composed_keys.provided_key(position, type_name, target)
            found = (Hop(target, provided),) if provided is not None else self.qg.route(type_name, source, target)
            if found is None:
                return self._enter_by_composed_key(position, type_name, target, requires)
            route = found
        current = position
        for hop in route[:-1]:
            current = self.hop(current, type_name, hop)
        if requires is None:
            return self.hop(current, type_name, route[-1])
        collected: set[FetchGroup] = set()
        self.collectors.append(collected)
        try:
            required = self.requirements.plan_requirements(current, type_name, requires)
        finally:
            self.collectors.pop()
        extra = tuple(sorted(collected, key=lambda g: g.id))
        return self.hop(current, type_name, route[-1], extra, required)

    def _enter_by_composed_key(
        self, position: Position, type_name: str, target: str, requires: FieldSet | None
    ) -> Position:
        """Enter ``target`` by a key whose fields are gathered from several subgraphs (``key_entry``)."""
        source = position.group.subgraph
        key = self.composed_keys.key(position, type_name, target)
        if key is None:
            raise PlanningError(
                f"cannot enter {type_name} in {target!r} from {source!r}: no key of {type_name} in {target!r} "
                f"can be fetched at {'.'.join(position.path) or 'the root'}"
            )
        progress = (type_name, target, position.path)
        collected: set[FetchGroup] = set()
        self.collectors.append(collected)
        self.composed_keys.in_progress.add(progress)
        try:
            shape = self.requirements.plan_requirements(position, type_name, key)
            if requires is not None:
                self.requirements.merge_shape(shape, self.requirements.plan_requirements(position, type_name, requires))
        finally:
            self.collectors.pop()
            self.composed_keys.in_progress.discard(progress)
        extra = tuple(sorted(collected, key=lambda g: g.id))
        return self.hop(position, type_name, Hop(target, key), extra, shape, key_planned=True)

    def hop(
        self,
        position: Position,
        type_name: str,
        hop: Hop,
        extra_parents: tuple[FetchGroup, ...] = (),
        required: FetchSelectionSet | None = None,
        entry_type: str | None = None,
        *,
        key_planned: bool = False,
    ) -> Position:
        """``key_planned``: the key's fields were planned as a requirement (they are in ``required``)."""
        key_shape = FetchSelectionSet()
        at_entry = position.group.is_entity and any(
            position.selection is item.selections for item in position.group.selection
        )
        if key_planned:
            key_shape.add_field("__typename")
            if not at_entry:
                position.selection.add_field("__typename", front=True)
        else:
            self.requirements.add_key(
                position.selection,
                type_name,
                hop.key.selection_set,
                key_shape,
                typename=not at_entry,
                client=self.requirements.client_selections(position),
            )
        self.use(position.group, position.conditions)
        parents = (position.group, *(g for g in extra_parents if g is not position.group))
        discriminator = 0
        while True:
            group = self.graph.entity_group(hop.graph, position.path, parents, discriminator)
            inputs = group.inputs.add_fragment(type_name)
            if required is None or self.requirements.compatible(inputs.selections, required):
                break
            discriminator += 1
        self.requirements.merge_shape(inputs.selections, key_shape)
        if required is not None:
            self.requirements.merge_shape(inputs.selections, required)
        group.note_use(position.conditions)
        entry_type = entry_type or type_name
        entry = group.selection.add_fragment(entry_type)
        if self.supergraph.is_abstract(entry_type):
            if self._is_interface_object(entry_type, hop.graph):
                rewrite = FetchRewrite((f"... on {type_name}", "__typename"), entry_type)
                if rewrite not in group.input_rewrites:
                    group.input_rewrites.append(rewrite)
            else:
                entry.selections.add_field("__typename", front=True)
        return Position(
            group, entry.selections, position.path, None, position.conditions, position.siblings, position.parent
        )
