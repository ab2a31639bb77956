"""Turn the fetch groups into plan nodes: ``Sequence``/``Parallel`` by dependency, ``Flatten`` for
entity fetches, ``Condition`` where a whole group hangs on a variable, and the subgraph operations.

A group runs as soon as all its parents have run: each group is followed (in a ``Sequence``) by the
children it alone was waiting for, run in ``Parallel``; children that also wait for another branch
are handed up to the nearest level where all their parents are done, as Apollo does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from graphql import DirectiveNode, VariableNode, print_ast

from router.query_plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)

from .aliasing import NonMergingFieldAliaser
from .fetch_dependency_graph import ConditionSet, FetchDependencyGraph, FetchGroup
from .operation import Condition, NormalizedOperation, PlanningError
from .selection import FetchField, FetchFragment, FetchSelectionSet

_UNSAFE = re.compile(r"\W")


@dataclass(slots=True)
class _Fetch:
    group: FetchGroup


@dataclass(slots=True)
class _Many:
    kind: str  # "Sequence" | "Parallel"
    nodes: list[_Node]


@dataclass(slots=True)
class _Cond:
    condition: Condition
    node: _Node


_Node = _Fetch | _Many | _Cond


def _many(kind: str, nodes: list[_Node]) -> _Node | None:
    flat: list[_Node] = []
    for node in nodes:
        if isinstance(node, _Many) and node.kind == kind:
            flat.extend(node.nodes)
        else:
            flat.append(node)
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else _Many(kind, flat)


def _strip_conditions(selection: FetchSelectionSet, conditions: ConditionSet, *, entity: bool) -> None:
    """Drop ``@include/@skip(if: $v)`` from the group's top-level fields once a ``Condition`` node
    guards the whole fetch (Apollo does the same)."""
    names = {("skip" if c.negated else "include", c.variable) for c in conditions}

    def keep(directive: DirectiveNode) -> bool:
        value = next((a.value for a in directive.arguments or () if a.name.value == "if"), None)
        return not (isinstance(value, VariableNode) and (directive.name.value, value.name.value) in names)

    for item in selection:
        if entity and isinstance(item, FetchFragment):
            _strip_conditions(item.selections, conditions, entity=False)
        elif isinstance(item, FetchField):
            item.directives = tuple(d for d in item.directives if keep(d))


class FetchDependencyGraphProcessor:
    def __init__(self, operation: NormalizedOperation, aliaser: NonMergingFieldAliaser) -> None:
        self.operation = operation
        self.aliaser = aliaser
        self.processed: set[int] = set()
        self.counter = 0

    def process(self, graph: FetchDependencyGraph) -> PlanNode | None:
        # A deferred part's plan starts with an entity fetch that waits for no other (``deferred``).
        roots = graph.root_groups() or [g for g in graph.groups if not g.parents]
        if not roots:
            return None
        steps: list[_Node] = []
        for step in sorted({g.step for g in roots}):
            node, pending = self._stages([g for g in roots if g.step == step], frozenset())
            if pending:
                raise PlanningError(f"internal planner error: unreachable fetch groups {pending}")
            if node is not None:
                steps.append(node)
        root = _many("Sequence", steps)
        return self._build(root) if root is not None else None

    def _ready(self, group: FetchGroup) -> bool:
        return all(p.id in self.processed for p in group.parents)

    def _stages(self, groups: list[FetchGroup], handled: ConditionSet) -> tuple[_Node | None, list[FetchGroup]]:
        stages: list[_Node] = []
        pending: list[FetchGroup] = []
        current = groups
        while current:
            nodes: list[_Node] = []
            stage_ids = frozenset(g.id for g in current)
            for group in current:
                node, unhandled = self._group(group, handled, stage_ids - {group.id})
                nodes.append(node)
                pending.extend(g for g in unhandled if g not in pending)
            stage = _many("Parallel", nodes)
            if stage is not None:
                stages.append(stage)
            current = [g for g in pending if self._ready(g) and g.id not in self.processed]
            pending = [g for g in pending if g not in current and g.id not in self.processed]
        return _many("Sequence", stages), pending

    def _group(
        self, group: FetchGroup, handled: ConditionSet, running: frozenset[int] = frozenset()
    ) -> tuple[_Node, list[FetchGroup]]:
        """``running``: groups run in parallel with this one; a child that also waits for one of
        them cannot follow this group alone (it is handed up, to run after the whole stage)."""
        self.processed.add(group.id)
        conditions = (group.conditions or frozenset()) - handled
        inner_handled = handled | conditions
        # Apollo lists the children of a group shallowest path first, latest first among equals;
        # keep its order so that plans compare equal.
        ordered = sorted(reversed(group.children), key=lambda c: len(c.merge_path))
        ready = [
            c
            for c in ordered
            if self._ready(c) and c.id not in self.processed and not any(p.id in running for p in c.parents)
        ]
        waiting = [c for c in group.children if c not in ready and c.id not in self.processed]
        node: _Node = _Fetch(group)
        if ready:
            children, pending = self._stages(ready, inner_handled)
            waiting.extend(g for g in pending if g not in waiting)
            if children is not None:
                sequence = _many("Sequence", [node, children])
                assert sequence is not None
                node = sequence
        if group.conditions:  # all enforced by this node's or an enclosing Condition node
            _strip_conditions(group.selection, group.conditions, entity=group.is_entity)
        for condition in sorted(conditions, key=lambda c: (c.variable, c.negated), reverse=True):
            node = _Cond(condition, node)
        return node, waiting

    # -- plan nodes -----------------------------------------------------------------------------

    def _build(self, node: _Node) -> PlanNode:
        if isinstance(node, _Fetch):
            return self._fetch(node.group)
        if isinstance(node, _Cond):
            inner = self._build(node.node)
            if node.condition.negated:
                return ConditionNode(node.condition.variable, None, inner)
            return ConditionNode(node.condition.variable, inner, None)
        children = tuple(self._build(n) for n in node.nodes)
        return SequenceNode(children) if node.kind == "Sequence" else ParallelNode(children)

    def _fetch(self, group: FetchGroup) -> PlanNode:
        index = self.counter
        self.counter += 1
        renames = self.aliaser.alias(group.selection, group.root_type, group.subgraph)
        output_rewrites = (*group.output_rewrites, *renames)
        name = None
        if self.operation.name:
            name = f"{self.operation.name}__{_UNSAFE.sub('_', group.subgraph)}__{index}"
        used = list(group.selection.variables())
        definitions = []
        for variable in used:
            definition = self.operation.variables.get(variable)
            if definition is None:
                raise PlanningError(f"variable ${variable} is used but not declared")
            text = f"${variable}:{print_ast(definition.type)}"
            if definition.default_value is not None:
                text += f"={print_ast(definition.default_value)}"
            definitions.append(text)
        if group.is_entity:
            head = "query" + (f" {name}" if name else "")
            variables = "".join(["$representations:[_Any!]!", *definitions])
            body = "{_entities(representations:$representations)" + group.selection.print() + "}"
            fetch = FetchNode(
                service_name=group.subgraph,
                operation=f"{head}({variables}){body}",
                operation_kind="query",
                operation_name=name,
                variable_usages=tuple(used),
                requires=group.inputs.requirements(),
                input_rewrites=tuple(group.input_rewrites),
                output_rewrites=output_rewrites,
            )
            return FlattenNode(group.merge_path, fetch)
        # A subscription's root fetch is the subgraph subscription itself (router.execution.subscription).
        kind: Literal["query", "mutation", "subscription"] = "query"
        if self.operation.kind in ("mutation", "subscription"):
            kind = "mutation" if self.operation.kind == "mutation" else "subscription"
        head = kind + (f" {name}" if name else "")
        variables = f"({''.join(definitions)})" if definitions else ""
        operation = f"{head}{variables}{group.selection.print()}"
        if kind == "query" and not name and not variables:
            operation = group.selection.print()
        return FetchNode(
            service_name=group.subgraph,
            operation=operation,
            operation_kind=kind,
            operation_name=name,
            variable_usages=tuple(used),
            output_rewrites=output_rewrites,
        )
