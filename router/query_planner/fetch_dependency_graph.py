"""Fetch groups (one future subgraph request each) and the dependencies between them.

The traversal adds selections to groups; a group entered through ``_entities`` has ``inputs`` (the
representation requirements, one ``... on T`` per entity type) and ``parents`` (the groups whose
results those inputs come from). Groups are shared: every field that needs the same subgraph at the
same response path after the same parents lands in one group, so one ``_entities`` call serves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from router.query_plan import FetchRewrite

from .operation import Condition
from .selection import FetchField, FetchFragment, FetchSelectionSet

ConditionSet = frozenset[Condition]


@dataclass(eq=False)
class FetchGroup:
    id: int
    subgraph: str
    root_type: str | None  # "Query"/"Mutation" for a root fetch, None for an entity fetch
    merge_path: tuple[str, ...] = ()
    selection: FetchSelectionSet = field(default_factory=FetchSelectionSet)
    inputs: FetchSelectionSet = field(default_factory=FetchSelectionSet)
    parents: list[FetchGroup] = field(default_factory=list)
    children: list[FetchGroup] = field(default_factory=list)
    step: int = 0  # mutation root fields: the position in the sequence
    input_rewrites: list[FetchRewrite] = field(default_factory=list)
    output_rewrites: list[FetchRewrite] = field(default_factory=list)
    # The variable conditions under which this group is needed: the intersection over its uses
    # (None until the first use).
    conditions: ConditionSet | None = None

    @property
    def is_entity(self) -> bool:
        return self.root_type is None

    def add_parent(self, parent: FetchGroup) -> None:
        if parent is self or parent in self.parents:
            return
        self.parents.append(parent)
        parent.children.append(self)

    def note_use(self, conditions: ConditionSet) -> None:
        self.conditions = conditions if self.conditions is None else self.conditions & conditions

    def __repr__(self) -> str:
        path = ".".join(self.merge_path)
        return f"FetchGroup({self.id}, {self.subgraph}, {path!r}, parents={[p.id for p in self.parents]})"


class FetchDependencyGraph:
    def __init__(self) -> None:
        self.groups: list[FetchGroup] = []
        self._roots: dict[tuple[str, int], FetchGroup] = {}
        self._entities: dict[tuple[object, ...], FetchGroup] = {}

    def _new(self, subgraph: str, root_type: str | None, merge_path: tuple[str, ...], step: int) -> FetchGroup:
        group = FetchGroup(len(self.groups), subgraph, root_type, merge_path, step=step)
        self.groups.append(group)
        return group

    def root_group(self, subgraph: str, root_type: str, step: int = 0) -> FetchGroup:
        group = self._roots.get((subgraph, step))
        if group is None:
            group = self._roots[(subgraph, step)] = self._new(subgraph, root_type, (), step)
        return group

    def root_groups(self) -> list[FetchGroup]:
        return [g for g in self.groups if not g.is_entity]

    def entity_group(
        self,
        subgraph: str,
        merge_path: tuple[str, ...],
        parents: tuple[FetchGroup, ...],
        discriminator: int = 0,
    ) -> FetchGroup:
        """The group fetching entities of ``subgraph`` at ``merge_path`` after ``parents``."""
        key = (subgraph, merge_path, tuple(sorted(p.id for p in parents)), discriminator)
        group = self._entities.get(key)
        if group is None:
            step = max((p.step for p in parents), default=0)
            group = self._entities[key] = self._new(subgraph, None, merge_path, step)
            for parent in parents:
                group.add_parent(parent)
        return group

    def merge_delayable_groups(self) -> None:
        """Fold an entity group with no children into a later group of the same subgraph at the same
        path (one that runs after all of its parents, e.g. because it waits for a ``@requires``).

        The plan keeps its depth (nothing waits for the folded group) and saves a fetch. Apollo's
        planner keeps both fetches here; fewer fetches at equal depth is our tie-break."""
        for group in list(self.groups):
            if not group.is_entity or group.children:
                continue
            for later in self.groups:
                if (
                    later is group
                    or not later.is_entity
                    or later.subgraph != group.subgraph
                    or later.merge_path != group.merge_path
                    or later.step != group.step
                    or not set(group.parents) <= _ancestors(later)
                    or not _inputs_compatible(later.inputs, group.inputs)
                ):
                    continue
                self._fold(group, later)
                break

    def _fold(self, group: FetchGroup, into: FetchGroup) -> None:
        into.selection.merge(group.selection)
        into.inputs.merge(group.inputs)
        for rewrite in group.input_rewrites:
            if rewrite not in into.input_rewrites:
                into.input_rewrites.append(rewrite)
        if group.conditions is not None:
            into.note_use(group.conditions)
        for parent in group.parents:
            parent.children.remove(group)
        self.groups.remove(group)
        self._entities = {k: v for k, v in self._entities.items() if v is not group}


def _ancestors(group: FetchGroup) -> set[FetchGroup]:
    seen: set[FetchGroup] = set()
    stack = list(group.parents)
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(current.parents)
    return seen


def _inputs_compatible(first: FetchSelectionSet, second: FetchSelectionSet) -> bool:
    """False when both read one field of one entity type from different response keys."""
    for item in second:
        if not isinstance(item, FetchFragment):
            continue
        other = first.items.get(f"...{item.type_condition or ''}")
        if not isinstance(other, FetchFragment):
            continue
        sources = {f.name: f.response_key for f in other.selections if isinstance(f, FetchField)}
        for required in item.selections:
            if not isinstance(required, FetchField):
                continue
            if sources.get(required.name, required.response_key) != required.response_key:
                return False
    return True
