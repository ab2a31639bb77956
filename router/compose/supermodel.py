"""The composed supergraph before printing: merged types plus their ``@join__*`` metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import TypeNode, ValueNode

from router.compose.model import Security
from router.sdl_kinds import TypeKind


@dataclass(frozen=True)
class Graph:
    enum_name: str  # the join__Graph value, e.g. USERS
    name: str
    url: str


@dataclass
class JoinField:
    graph: str
    requires: str | None = None
    provides: str | None = None
    type: str | None = None
    external: bool = False
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False


@dataclass
class JoinType:
    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool = True
    is_interface_object: bool = False


@dataclass
class SInputValue:
    name: str
    type: TypeNode
    default: ValueNode | None = None
    description: str | None = None
    meta: Security = field(default_factory=Security)
    joins: list[JoinField] = field(default_factory=list)


@dataclass
class SField:
    name: str
    type: TypeNode
    args: dict[str, SInputValue] = field(default_factory=dict)
    description: str | None = None
    meta: Security = field(default_factory=Security)
    joins: list[JoinField] = field(default_factory=list)
    bare_join: bool = False  # ``@join__field`` with no graph: known only through an @interfaceObject


@dataclass
class SEnumValue:
    name: str
    description: str | None = None
    meta: Security = field(default_factory=Security)
    graphs: list[str] = field(default_factory=list)


@dataclass
class SType:
    name: str
    kind: TypeKind
    description: str | None = None
    meta: Security = field(default_factory=Security)
    join_types: list[JoinType] = field(default_factory=list)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)  # (graph, interface)
    fields: dict[str, SField] = field(default_factory=dict)
    input_fields: dict[str, SInputValue] = field(default_factory=dict)
    members: list[str] = field(default_factory=list)
    union_members: list[tuple[str, str]] = field(default_factory=list)  # (graph, member)
    values: dict[str, SEnumValue] = field(default_factory=dict)


@dataclass
class Supergraph:
    graphs: list[Graph]
    types: dict[str, SType]
    federation_version: tuple[int, int]


def graph_enum_names(names: list[str]) -> dict[str, str]:
    """Subgraph name → join__Graph value: upper case, other characters as ``_``, made unique."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name).upper()
        if not re.match(r"[A-Z_]", base):
            base = "_" + base
        candidate, suffix = base, 1
        while candidate in taken:
            candidate = f"{base}_{suffix}"
            suffix += 1
        taken.add(candidate)
        result[name] = candidate
    return result
