"""The composer's model of one subgraph: its types with federation directives already read.

Directive names are canonical here (``key``, ``shareable``, ...) whatever a subgraph imported them as,
and type extensions are folded into their type. Types of fields and arguments stay graphql-core AST
nodes so they print exactly as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import DirectiveNode, ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, ValueNode, print_ast

from router.sdl_kinds import TypeKind


@dataclass
class Security:
    """The ``@inaccessible``/``@tag``/access-control directives any element may carry."""

    inaccessible: bool = False
    tags: list[str] = field(default_factory=list)
    authenticated: bool = False
    requires_scopes: list[list[str]] = field(default_factory=list)
    policies: list[list[str]] = field(default_factory=list)
    deprecated: str | None = None  # the reason; "" is never stored (the default reason is used)
    deprecated_set: bool = False
    other: list[DirectiveNode] = field(default_factory=list)  # kept verbatim, e.g. @specifiedBy


@dataclass
class InputValue:
    name: str
    type: TypeNode
    default: ValueNode | None = None
    description: str | None = None
    meta: Security = field(default_factory=Security)


@dataclass
class Field:
    name: str
    type: TypeNode
    args: dict[str, InputValue] = field(default_factory=dict)
    description: str | None = None
    meta: Security = field(default_factory=Security)
    external: bool = False
    shareable: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None


@dataclass
class EnumValue:
    name: str
    description: str | None = None
    meta: Security = field(default_factory=Security)


@dataclass
class Key:
    fields: str
    resolvable: bool = True


@dataclass
class TypeDef:
    name: str
    kind: TypeKind
    description: str | None = None
    meta: Security = field(default_factory=Security)
    fields: dict[str, Field] = field(default_factory=dict)
    input_fields: dict[str, InputValue] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    shareable: bool = False
    external: bool = False
    interface_object: bool = False


@dataclass
class Subgraph:
    name: str
    url: str
    types: dict[str, TypeDef]
    federation_version: tuple[int, int]  # (1, 0) for a Federation-1 subgraph
    uses_features: set[str] = field(default_factory=set)  # e.g. {"tag", "inaccessible", "authenticated"}

    @property
    def is_fed1(self) -> bool:
        return self.federation_version[0] == 1

    def type_named(self, name: str) -> TypeDef | None:
        return self.types.get(name)


def named_type(type_node: TypeNode) -> str:
    """The innermost type name of ``[Foo!]!`` → ``Foo``."""
    while isinstance(type_node, ListTypeNode | NonNullTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def type_str(type_node: TypeNode) -> str:
    return print_ast(type_node)
