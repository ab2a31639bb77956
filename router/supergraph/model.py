"""Federation metadata read from a supergraph: which subgraph defines and resolves what.

The names mirror the join spec (``@join__type``, ``@join__field``, ...). Field sets (``key``,
``requires``, ``provides``) are kept as text and as a parsed selection set, since the planner walks
them like any selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import SelectionSetNode

from router.sdl_kinds import TypeKind


@dataclass(frozen=True, slots=True)
class SubgraphInfo:
    """One value of ``join__Graph``: the subgraph ``name``, its ``url`` and the enum value naming it."""

    name: str
    url: str
    enum_value: str


@dataclass(frozen=True, slots=True)
class FieldSet:
    """A ``join__FieldSet`` (e.g. ``"id organization { id }"``), as text and parsed."""

    text: str
    selection_set: SelectionSetNode = field(compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class TypeInGraph:
    """One ``@join__type`` application: ``graph`` defines the type (with at most one ``key``)."""

    graph: str
    key: FieldSet | None = None
    extension: bool = False
    resolvable: bool = True
    is_interface_object: bool = False


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    """One ``@join__field`` application (or the implied one when a field has none)."""

    graph: str
    requires: FieldSet | None = None
    provides: FieldSet | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    used_overridden: bool = False
    override_label: str | None = None

    @property
    def resolvable(self) -> bool:
        """Whether a query may be routed to ``graph`` for this field (``@provides`` aside)."""
        if self.external or self.used_overridden:
            return False
        # Progressive override (a label) is off unless enabled: the field stays with the original
        # subgraph, so the overriding side does not resolve it yet.
        return not (self.override is not None and self.override_label is not None)


@dataclass(slots=True)
class FieldMetadata:
    """A field of a composite type and, per subgraph, how that subgraph knows it."""

    parent: str
    name: str
    graphs: dict[str, FieldInGraph] = field(default_factory=dict)

    def resolving_graphs(self) -> list[str]:
        return [g for g, f in self.graphs.items() if f.resolvable]


@dataclass(slots=True)
class TypeMetadata:
    """A named type of the supergraph and its ``@join__*`` data."""

    name: str
    kind: TypeKind
    graphs: dict[str, list[TypeInGraph]] = field(default_factory=dict)
    fields: dict[str, FieldMetadata] = field(default_factory=dict)
    implements: dict[str, list[str]] = field(default_factory=dict)
    union_members: dict[str, list[str]] = field(default_factory=dict)
    enum_values: dict[str, list[str]] = field(default_factory=dict)
    inaccessible: bool = False

    def keys(self, graph: str, *, resolvable_only: bool = True) -> list[FieldSet]:
        """The ``@key``s of this type in ``graph`` (by default only those the graph can be entered by)."""
        return [
            t.key for t in self.graphs.get(graph, ()) if t.key is not None and (t.resolvable or not resolvable_only)
        ]

    def is_interface_object_in(self, graph: str) -> bool:
        return any(t.is_interface_object for t in self.graphs.get(graph, ()))

    def is_extension_in(self, graph: str) -> bool:
        return any(t.extension for t in self.graphs.get(graph, ()))
