"""The query plan: pure data, in Apollo's shape.

A plan is a tree of nodes, each with a ``kind``: ``Sequence`` (children run one after another),
``Parallel`` (children run at once), ``Fetch`` (one request to one subgraph), ``Flatten`` (run its
``Fetch`` for every object found at ``path``, where ``@`` means "every element of this list"), and
``Condition`` (a ``@skip``/``@include`` whose variable is only known at execution time).

The planner produces these; the executor switches on ``kind``; ``display`` prints them in Apollo's
text form so tests can compare plans as readable snapshots. Nothing here knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

LIST_MARKER = "@"


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """One field of a representation: ``name`` (and its sub-selection for object-typed key fields).

    ``alias``: when set, the parent fetch selected this field under that response key (because the
    same field was also needed with other arguments); read the value from ``alias`` in the object
    but write it under ``name`` in the representation, which is what the subgraph expects.
    """

    name: str
    selections: tuple[Requirement, ...] = ()
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class InlineFragmentRequirement:
    """``... on Type { ... }``: the fields to copy from an object whose ``__typename`` is ``Type``
    (or, for an ``@interfaceObject``, any implementation of the interface ``Type``)."""

    type_condition: str
    selections: tuple[Requirement, ...]


Requirement: TypeAlias = FieldRequirement | InlineFragmentRequirement


@dataclass(frozen=True, slots=True)
class FetchRewrite:
    """Apollo's input/output rewrites, applied to representations (input) or fetched data (output).

    ``ValueSetter``: set the field at ``path`` to ``value``; used when an ``@interfaceObject``
    subgraph must see the interface's name as ``__typename`` instead of the concrete type.

    ``KeyRenamer`` (output only): move the value at ``path`` (whose last element is a planner alias,
    e.g. ``name__alias_0``) to the key ``rename_key_to`` (``name``) of the same object. The planner
    aliases a field when two selections of one response key cannot be merged in the subgraph
    operation (``name: String!`` on ``User`` and ``name: String`` on ``Admin``, in sibling fragments);
    the rename gives the data back the client's response key before it is merged.

    ``path`` elements are response keys or ``... on T`` conditions (an object matches when its
    ``__typename`` is ``T``, an implementation or member of ``T``, or absent).
    """

    path: tuple[str, ...]
    value: str = ""
    kind: Literal["ValueSetter", "KeyRenamer"] = "ValueSetter"
    rename_key_to: str = ""

    @classmethod
    def key_renamer(cls, path: tuple[str, ...], rename_key_to: str) -> FetchRewrite:
        return cls(path, kind="KeyRenamer", rename_key_to=rename_key_to)


@dataclass(frozen=True, slots=True)
class FetchNode:
    """One request to one subgraph.

    A root fetch sends ``operation`` with the variables named in ``variable_usages``. An entity fetch
    (``requires`` is not empty) sends ``operation`` (a ``query($representations: [_Any!]!)``
    ``{ _entities(...) { ... } }`` document) with one representation per object found at the
    enclosing ``Flatten`` path, built from ``requires``; results are merged back by index.

    ``requires`` holds one ``InlineFragmentRequirement`` per entity type (``__typename``, key fields,
    then ``@requires`` fields). When a required field was fetched under a planner alias (the same
    field is needed with other arguments, e.g. ``price__alias_0: price(currency: "EUR")``), its
    ``FieldRequirement.alias`` names the response key to read while ``name`` is the key to write in
    the representation. See ``router/README.md`` ("Planner contract").
    """

    service_name: str
    operation: str
    operation_kind: Literal["query", "mutation", "subscription"] = "query"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[Requirement, ...] = ()
    input_rewrites: tuple[FetchRewrite, ...] = ()
    output_rewrites: tuple[FetchRewrite, ...] = ()
    id: str | None = None
    kind: Literal["Fetch"] = "Fetch"

    @property
    def is_entity_fetch(self) -> bool:
        return bool(self.requires)


@dataclass(frozen=True, slots=True)
class FlattenNode:
    """Run ``node`` (an entity fetch) for the objects at ``path`` of the response so far."""

    path: tuple[str, ...]
    node: FetchNode
    kind: Literal["Flatten"] = "Flatten"


@dataclass(frozen=True, slots=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Sequence"] = "Sequence"


@dataclass(frozen=True, slots=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]
    kind: Literal["Parallel"] = "Parallel"


@dataclass(frozen=True, slots=True)
class ConditionNode:
    """Run ``if_clause`` when the boolean variable ``condition`` is true, else ``else_clause``."""

    condition: str
    if_clause: PlanNode | None
    else_clause: PlanNode | None
    kind: Literal["Condition"] = "Condition"


PlanNode: TypeAlias = FetchNode | FlattenNode | SequenceNode | ParallelNode | ConditionNode


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """The whole plan; ``node`` is ``None`` when nothing needs fetching (e.g. only ``__typename``)."""

    node: PlanNode | None
    kind: Literal["QueryPlan"] = "QueryPlan"
    statistics: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
