"""Walk the normalized operation and place every selection in a fetch group.

At each field: resolve it in the current subgraph when that subgraph can (or a ``@provides`` above
says it can), else hop: add ``__typename`` and a key to the current fetch and continue in an entity
fetch of the subgraph that resolves it (chosen by estimated cost, so a ``@shareable`` field goes where
the rest of its sub-selection lives). Where several subgraphs could take a field, the traversal
records a :class:`Decision` (the estimate's pick first, then the alternatives worth trying) and
obeys the choices it is given, so the planner can plan other combinations and compare whole plans
by cost (``query_planner``). ``@requires`` first plans the required fields at the same
position (collecting the groups they land in), then enters the requiring subgraph after them.
Abstract types are split per concrete type where the subgraph cannot answer for the interface.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, replace

from graphql import DirectiveNode

from router.supergraph import FieldInGraph, Supergraph

from .entity_entry import EntityEntry
from .feasibility import Feasibility
from .fetch_dependency_graph import ConditionSet, FetchDependencyGraph, FetchGroup
from .key_entry import ComposedKeys
from .operation import NField, NFragment, NormalizedOperation, NSelection, PlanningError
from .position import Position, entered_as, provided_field, siblings_of
from .query_graph import Hop, Memo, QueryGraph
from .reentry import ParentEntityCalls
from .requirements import RequirementPlanner

# An alternative is worth planning when its estimate is at most this much above the pick's. The
# estimate counts each hop of the field's sub-selection, so a tie is where it cannot tell which
# choice shares fetches with the rest of the plan; an option it rates higher is not planned.
SLACK = 0

ChoiceKey = Hashable


@dataclass(frozen=True, slots=True)
class Decision:
    """A place where several subgraphs could take a field: ``options[0]`` is the one taken when no
    choice is imposed. ``fetches_before`` is a lower bound on the fetches of every plan that makes
    the same choices up to here (distinct unconditional fetches already opened; folding only joins
    groups of one subgraph, path and step, so they stay distinct)."""

    key: ChoiceKey
    options: tuple[str, ...]
    fetches_before: int


def root_choice(index: int) -> ChoiceKey:
    return ("root", index)


class PlanningTraversal(EntityEntry):
    def __init__(
        self,
        supergraph: Supergraph,
        query_graph: QueryGraph,
        operation: NormalizedOperation,
        root_choices: dict[int, str] | None = None,
        choices: dict[ChoiceKey, str] | None = None,
        memo: Memo | None = None,
    ) -> None:
        # Imposed choices (the planner trying alternatives): by decision key; ``root_choices``
        # gives the subgraph of root fields by their index among the root fields.
        self.choices: dict[ChoiceKey, str] = dict(choices or {})
        for index, graph in (root_choices or {}).items():
            self.choices[root_choice(index)] = graph
        self.decisions: list[Decision] = []
        self._decided: set[ChoiceKey] = set()
        self.supergraph = supergraph
        self.qg = query_graph
        self.operation = operation
        self.graph = FetchDependencyGraph()
        self.collectors: list[set[FetchGroup]] = []
        # Estimates depend only on the supergraph and this operation: the planner shares one memo
        # among the traversals of one operation.
        self.memo: Memo = memo if memo is not None else {}
        self.requirements = RequirementPlanner(self)
        self.reentry = ParentEntityCalls(self)
        self.composed_keys = ComposedKeys(query_graph, self.reentry)
        self.feasibility = Feasibility(query_graph, self.reentry, self.composed_keys)

    # -- root -----------------------------------------------------------------------------------

    def plan(self) -> FetchDependencyGraph:
        schema = self.supergraph.schema
        root = {
            "query": schema.query_type,
            "mutation": schema.mutation_type,
            "subscription": schema.subscription_type,
        }.get(self.operation.kind)
        if root is None:
            raise PlanningError(f"{self.operation.kind} operations are not supported by this supergraph")
        root_type = root.name
        fields = self._root_fields(self.operation.selections, (), frozenset())
        siblings = siblings_of(self.operation.selections)
        used: list[str] = []
        step = -1
        previous: str | None = None
        for index, (field, conditions) in enumerate(fields):
            if field.name == "__typename":
                continue  # answered by the executor from the root type: no fetch needed
            graph = self._choose_root_graph(index, root_type, field, used)
            if self.operation.kind == "mutation":
                if graph != previous:
                    step += 1
                previous = graph
            else:
                step = 0
            used.append(graph)
            group = self.graph.root_group(graph, root_type, step)
            position = Position(group, group.selection, (), None, conditions, siblings)
            self.plan_field(position, root_type, field)
        return self.graph

    def decide(self, key: ChoiceKey, options: list[str]) -> str:
        """The imposed choice for ``key`` when it is one of ``options``, else ``options[0]``; records
        the decision (once per key) when there is more than one option."""
        if len(options) > 1 and key not in self._decided:
            self._decided.add(key)
            # Fetches under no variable condition: a ``Condition`` node counts only its costlier
            # branch, so conditional ones may not all count; a group's conditions only ever narrow.
            opened = {
                (g.subgraph, g.merge_path, g.step, g.is_entity)
                for g in self.graph.groups
                if g.conditions is not None and not g.conditions
            }
            self.decisions.append(Decision(key, tuple(options), len(opened)))
        imposed = self.choices.get(key)
        return imposed if imposed is not None and imposed in options else options[0]

    def _root_fields(
        self, selections: list[NSelection], directives: tuple[DirectiveNode, ...], conditions: ConditionSet
    ) -> list[tuple[NField, ConditionSet]]:
        out: list[tuple[NField, ConditionSet]] = []
        for selection in selections:
            if isinstance(selection, NField):
                if directives:
                    selection = replace(selection, directives=directives + selection.directives)
                out.append((selection, conditions))
            else:
                out.extend(
                    self._root_fields(
                        selection.selections,
                        directives + selection.directives,
                        conditions | frozenset(selection.conditions),
                    )
                )
        return out

    def _choose_root_graph(self, index: int, root_type: str, field: NField, used: list[str]) -> str:
        candidates = self.qg.resolvable_graphs(root_type, field.name)
        if not candidates:
            raise PlanningError(f"no subgraph resolves {root_type}.{field.name}")
        if len(candidates) == 1:
            return candidates[0]
        sub_type, _ = self.qg.field_type(root_type, field.name)

        def cost(graph: str) -> tuple[int, int, int]:
            requires = self.supergraph.field_in_graph(root_type, field.name, graph)
            provided = requires.provides.selection_set if requires is not None and requires.provides else None
            estimate = (
                self.qg.estimate(graph, sub_type, field.selections, self.memo, provided) if field.selections else 0
            )
            extra = 1 if requires is not None and requires.requires is not None else 0
            return estimate + extra, 0 if graph in used else 1, candidates.index(graph)

        return self.decide(root_choice(index), sorted(candidates, key=cost))

    # -- selections -----------------------------------------------------------------------------

    def plan_selections(self, position: Position, type_name: str, selections: list[NSelection]) -> None:
        for selection in selections:
            if isinstance(selection, NField):
                self.plan_field(position, type_name, selection)
            else:
                self.plan_fragment(position, type_name, selection)

    def plan_fragment(self, position: Position, type_name: str, fragment: NFragment) -> None:
        conditions = position.conditions | frozenset(fragment.conditions)
        condition = fragment.type_condition or type_name
        graph = position.group.subgraph
        abstract_parent = self.supergraph.is_abstract(type_name)
        if condition == type_name or (not abstract_parent and type_name in self.supergraph.possible_types(condition)):
            target = position.selection
            if fragment.directives:
                target = target.add_fragment(fragment.type_condition, fragment.directives).selections
            self.plan_selections(
                replace(position, selection=target, conditions=conditions), type_name, fragment.selections
            )
            return
        if not abstract_parent:
            return  # the fragment can never match here
        if self._is_interface_object(type_name, graph):
            entered = self.enter_knower(replace(position, conditions=conditions), type_name)
            self.plan_fragment(entered, type_name, fragment)
            return
        here = self.supergraph.possible_types(type_name, graph)
        if self.supergraph.is_abstract(condition):
            matching = [t for t in self.supergraph.possible_types(condition) if t in here]
            if not matching:
                return
            # Keep the abstract condition only when, in this subgraph, every matching type
            # implements it (per-subgraph @join__implements): else the subgraph would skip the
            # types that do not, so the fragment is split per concrete type (class 6).
            if self.supergraph.type_in_graph(condition, graph) and set(matching) <= set(
                self.supergraph.possible_types(condition, graph)
            ):
                inner = position.selection.add_fragment(condition, fragment.directives)
                self.plan_selections(
                    replace(position, selection=inner.selections, conditions=conditions), condition, fragment.selections
                )
                return
            for concrete in matching:
                inner = position.selection.add_fragment(concrete, fragment.directives)
                self.plan_selections(
                    replace(position, selection=inner.selections, conditions=conditions), concrete, fragment.selections
                )
            return
        if condition not in here:
            return  # this subgraph never returns that type at this position
        inner = position.selection.add_fragment(condition, fragment.directives)
        self.plan_selections(
            replace(position, selection=inner.selections, conditions=conditions), condition, fragment.selections
        )

    def plan_field(self, position: Position, type_name: str, field: NField, *, requires_done: bool = False) -> None:
        graph = position.group.subgraph
        conditions = position.conditions | frozenset(field.conditions)
        abstract = self.supergraph.is_abstract(type_name)
        if field.name == "__typename":
            if abstract and self._is_interface_object(type_name, graph):
                # The subgraph would answer with the interface's name: ask one that knows the type.
                position = self.enter_knower(replace(position, conditions=conditions), type_name)
            position.selection.add_field("__typename", field.alias, (), field.directives)
            self.use(position.group, conditions)
            return
        if abstract:
            self._plan_abstract_field(position, type_name, field, conditions, requires_done)
            return
        local = self.feasibility.local(position, type_name, field.name)
        fallback = local
        if (
            local is not None
            and not requires_done  # just entered here for this field: do not bounce back
            and field.selections is not None
            and not self.feasibility.keep_local(position, type_name, field)
        ):
            local = None  # e.g. a @provides that covers only part of the sub-selection: go where all of it is
        if local is not None and (requires_done or local.requires is None):
            target = graph
            if not requires_done and field.selections is not None:
                target = self._stay_or_jump(position, type_name, field, local)
            if target == graph:
                self._add_local(position, type_name, field, local, conditions)
                return
            in_target = self.supergraph.field_in_graph(type_name, field.name, target)
            requires = in_target.requires if in_target is not None else None
        elif local is not None:
            target, requires = graph, local.requires
        else:
            if not self.qg.resolvable_graphs(type_name, field.name):
                self._plan_through_interface_object(position, type_name, field, conditions)
                return
            chosen = self._choose_graph(position, type_name, field, decide=True)
            if chosen is None:
                try:
                    self._plan_by_reentry(position, type_name, field, conditions)
                except PlanningError:
                    if fallback is None or fallback.requires is not None:
                        raise
                    # Nowhere else either: take it here, so the error names the field below that no
                    # subgraph can give (e.g. only through a `resolvable: false` key), not this one.
                    self._add_local(position, type_name, field, fallback, conditions)
                return
            target = chosen
            in_target = self.supergraph.field_in_graph(type_name, field.name, target)
            requires = in_target.requires if in_target is not None else None
        entered = self.enter(replace(position, conditions=conditions), type_name, target, requires)
        self.plan_field(entered, type_name, field, requires_done=True)

    def _plan_by_reentry(self, position: Position, type_name: str, field: NField, conditions: ConditionSet) -> None:
        """No key leads to a subgraph resolving the field: a parent-entity call (see ``reentry``)."""
        source = position.group.subgraph
        candidates = self.qg.resolvable_graphs(type_name, field.name)
        for target in candidates:
            in_target = self.supergraph.field_in_graph(type_name, field.name, target)
            if in_target is not None and in_target.requires is not None:
                continue  # a requirement needs the object entered by key
            entered = self.reentry.reenter(replace(position, conditions=conditions), type_name, target)
            if entered is not None:
                self.plan_field(entered, type_name, field, requires_done=True)
                return
        where = ".".join(position.path) or "the root"
        raise PlanningError(
            f"cannot plan {type_name}.{field.name} at {where}: no subgraph resolving it "
            f"({', '.join(candidates) or 'none'}) can be reached from {source!r} through a resolvable key"
        )

    def _plan_through_interface_object(
        self, position: Position, type_name: str, field: NField, conditions: ConditionSet
    ) -> None:
        """A field of an object type that only an @interfaceObject subgraph resolves (on the interface)."""
        source = position.group.subgraph
        named = self.supergraph.schema.get_type(type_name)
        for interface in getattr(named, "interfaces", ()):
            for graph in self.qg.resolvable_graphs(interface.name, field.name):
                if not self._is_interface_object(interface.name, graph):
                    continue
                for key in self.supergraph.keys(interface.name, graph):
                    if self.qg.can_provide(type_name, key.selection_set, source):
                        here = replace(position, conditions=conditions)
                        entered = self.hop(here, type_name, Hop(graph, key), entry_type=interface.name)
                        self.plan_field(entered_as(entered, type_name), interface.name, field)
                        return
        where = ".".join(position.path) or "the root"
        raise PlanningError(f"cannot plan {type_name}.{field.name} at {where}: no subgraph resolves it")

    def _plan_abstract_field(
        self, position: Position, type_name: str, field: NField, conditions: ConditionSet, requires_done: bool
    ) -> None:
        graph = position.group.subgraph
        local = self._abstract_field_local(position, type_name, field.name)
        if local is not None and (requires_done or local.requires is None):
            self._add_local(position, type_name, field, local, conditions)
            return
        chosen: str | None = None
        if local is None and any(g != graph for g in self.qg.resolvable_graphs(type_name, field.name)):
            chosen = self._choose_graph(position, type_name, field)
        if local is not None or chosen is not None:
            # Resolved at the interface level (an @interfaceObject or an entity interface elsewhere);
            # otherwise (a value interface elsewhere, no key leads there) split per concrete type.
            if local is not None:
                target, requires = graph, local.requires
            else:
                assert chosen is not None
                target = chosen
                in_target = self.supergraph.field_in_graph(type_name, field.name, target)
                requires = in_target.requires if in_target is not None else None
            entered = self.enter(replace(position, conditions=conditions), type_name, target, requires)
            self.plan_field(entered, type_name, field, requires_done=True)
            return
        if self._is_interface_object(type_name, graph):
            position = self.enter_knower(replace(position, conditions=conditions), type_name)
            graph = position.group.subgraph
        for concrete in self.supergraph.possible_types(type_name, graph):
            inner = position.selection.add_fragment(concrete)
            self.plan_field(replace(position, selection=inner.selections), concrete, field)

    def enter_knower(self, position: Position, type_name: str) -> Position:
        """Hop from an @interfaceObject subgraph to one that knows the implementations."""
        source = position.group.subgraph
        for graph in self.supergraph.types[type_name].graphs:
            if graph == source or self._is_interface_object(type_name, graph):
                continue
            if self.qg.route(type_name, source, graph) is not None:
                return self.enter(position, type_name, graph, None)
        raise PlanningError(f"no subgraph that knows the implementations of {type_name} can be reached from {source!r}")

    def _abstract_field_local(self, position: Position, type_name: str, name: str) -> FieldInGraph | None:
        found = self.feasibility.local(position, type_name, name)
        if found is None:
            return None
        graph = position.group.subgraph
        meta = self.supergraph.types[type_name]
        if meta.is_interface_object_in(graph):
            return found
        if found.requires is not None:
            return None
        for concrete in self.supergraph.possible_types(type_name, graph):
            in_concrete = self.feasibility.local(position, concrete, name)
            if in_concrete is None or in_concrete.requires is not None:
                return None
        return found

    def _add_local(
        self, position: Position, type_name: str, field: NField, local: FieldInGraph, conditions: ConditionSet
    ) -> None:
        composite = field.selections is not None
        added = position.selection.add_field(
            field.name,
            field.alias,
            field.arguments,
            field.directives,
            composite=composite,
            runtime_type=position.runtime_type,
        )
        self.use(position.group, conditions)
        if field.selections is None or added.selections is None:
            return
        api_type, depth = self.qg.field_type(type_name, field.name)
        if self.supergraph.is_abstract(api_type):
            added.selections.add_field("__typename", front=True)
        # The field's type in this subgraph may be narrower (``Book`` where the supergraph says the
        # union ``Media``): plan the sub-selection against it, so type conditions that cannot apply
        # here are dropped from this fetch (class 7).
        sub_type = self.qg.type_in_graph(type_name, field.name, local) or api_type
        path = (*position.path, field.response_key, *(["@"] * depth))
        provided = local.provides.selection_set if local.provides is not None else None
        if provided is None:
            outer = provided_field(position.provided, type_name, field.name)
            provided = outer.selection_set if outer is not None else None
        sub = Position(
            position.group,
            added.selections,
            path,
            provided,
            conditions,
            siblings_of(field.selections),
            (position, type_name, field),
        )
        self.plan_selections(sub, sub_type, field.selections)

    def use(self, group: FetchGroup, conditions: ConditionSet) -> None:
        group.note_use(conditions)
        for collector in self.collectors:
            collector.add(group)

    # -- hops -----------------------------------------------------------------------------------

    def _choice_key(self, position: Position, type_name: str, field: NField) -> ChoiceKey:
        return (position.group.id, position.path, type_name, field.response_key)

    def _stay_or_jump(self, position: Position, type_name: str, field: NField, local: FieldInGraph) -> str:
        """A composite field the current subgraph can take: stay (the estimate's pick) unless the
        planner imposes a jump to another subgraph whose estimate is close (see ``SLACK``)."""
        graph = position.group.subgraph
        if len(self.qg.resolvable_graphs(type_name, field.name)) < 2:
            return graph
        sub_type, _ = self.qg.field_type(type_name, field.name)
        provided = local.provides.selection_set if local.provides is not None else None
        if provided is None:
            outer = provided_field(position.provided, type_name, field.name)
            provided = outer.selection_set if outer is not None else None
        assert field.selections is not None
        here = self.qg.estimate(graph, sub_type, field.selections, self.memo, provided)
        options = [graph]
        for cost, other in self._ranked_graphs(position, type_name, field):
            if other != graph and cost <= here + SLACK and self._feasible_in(position, type_name, field, other):
                options.append(other)
        return self.decide(self._choice_key(position, type_name, field), options)

    def _feasible_in(self, position: Position, type_name: str, field: NField, graph: str) -> bool:
        return field.selections is None or self.feasibility.feasible_below(
            position, type_name, field, graph, reentry=False
        )

    def _choose_graph(self, position: Position, type_name: str, field: NField, *, decide: bool = False) -> str | None:
        """The cheapest subgraph resolving the field that a key leads to (None: no key does). With
        ``decide``, the alternatives whose estimate is close are recorded for the planner to try."""
        ranked = self._ranked_graphs(position, type_name, field)
        if not ranked:
            return None
        best_cost, chosen = ranked[0]
        if not decide or field.selections is None:
            # A leaf's subgraph only matters through the fetches it shares with its siblings,
            # which the ranking's "already has a fetch here" covers: no search.
            return chosen
        options = [chosen]
        for cost, other in ranked[1:]:
            if cost <= best_cost + SLACK and self._feasible_in(position, type_name, field, other):
                options.append(other)
        return self.decide(self._choice_key(position, type_name, field), options)

    def _ranked_graphs(self, position: Position, type_name: str, field: NField) -> list[tuple[int, str]]:
        """(estimated fetches, subgraph) for each subgraph resolving the field that a key leads
        to, cheapest first (then one that already has a fetch here, then the supergraph's order)."""
        source = position.group.subgraph
        ranked: list[tuple[tuple[int, int, int], str]] = []
        candidates = self.qg.resolvable_graphs(type_name, field.name)
        for index, graph in enumerate(candidates):
            provided = self.composed_keys.provided_key(position, type_name, graph)
            route = (Hop(graph, provided),) if provided is not None else self.qg.route(type_name, source, graph)
            if route is not None:
                cost = len(route)
            elif graph != source and self.composed_keys.key(position, type_name, graph) is not None:
                cost = 2  # the key fields' fetch, then the entity fetch
            else:
                continue
            in_graph = self.supergraph.field_in_graph(type_name, field.name, graph)
            if field.selections is not None:
                sub_type, _ = self.qg.field_type(type_name, field.name)
                given = in_graph.provides.selection_set if in_graph is not None and in_graph.provides else None
                cost += self.qg.estimate(graph, sub_type, field.selections, self.memo, given)
            if in_graph is not None and in_graph.requires is not None:
                cost += 1
            ranked.append(((cost, 0 if self._has_group(graph, position) else 1, index), graph))
        ranked.sort()
        return [(rank[0], graph) for rank, graph in ranked]

    def _has_group(self, graph: str, position: Position) -> bool:
        return any(child.subgraph == graph and child.merge_path == position.path for child in position.group.children)
