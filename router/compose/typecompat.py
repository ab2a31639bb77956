"""Field type compatibility across subgraphs, as Apollo merges them.

Output fields merge to the most general type every subgraph's type is a subtype of (``String!`` and
``String`` → ``String``; an implementation and its interface → the interface). Inputs (arguments and
input fields) merge to the most restrictive nullability of the same underlying type, because a value a
client sends must be accepted by every subgraph.
"""

from __future__ import annotations

from collections.abc import Callable

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode

# is_subtype_name(a, b): is named type a a subtype of named type b (implements / member of)?
SubtypeCheck = Callable[[str, str], bool]


def is_subtype(a: TypeNode, b: TypeNode, is_subtype_name: SubtypeCheck) -> bool:
    """True when a value of type ``a`` is always a valid value of type ``b`` (output covariance)."""
    if isinstance(b, NonNullTypeNode):
        return isinstance(a, NonNullTypeNode) and is_subtype(a.type, b.type, is_subtype_name)
    if isinstance(a, NonNullTypeNode):
        return is_subtype(a.type, b, is_subtype_name)
    if isinstance(b, ListTypeNode):
        return isinstance(a, ListTypeNode) and is_subtype(a.type, b.type, is_subtype_name)
    if isinstance(a, ListTypeNode):
        return False
    assert isinstance(a, NamedTypeNode)
    assert isinstance(b, NamedTypeNode)
    return a.name.value == b.name.value or is_subtype_name(a.name.value, b.name.value)


def merge_output_types(types: list[TypeNode], is_subtype_name: SubtypeCheck) -> TypeNode | None:
    """The most general of ``types`` if every one is a subtype of it, else None."""
    merged = types[0]
    for candidate in types[1:]:
        if is_subtype(candidate, merged, is_subtype_name):
            continue
        if is_subtype(merged, candidate, is_subtype_name):
            merged = candidate
            continue
        return None
    return merged if all(is_subtype(t, merged, is_subtype_name) for t in types) else None


def merge_input_types(types: list[TypeNode]) -> TypeNode | None:
    """The strictest nullability of one shared shape, or None when the shapes differ."""
    merged = types[0]
    for candidate in types[1:]:
        combined = _strictest(merged, candidate)
        if combined is None:
            return None
        merged = combined
    return merged


def _strictest(a: TypeNode, b: TypeNode) -> TypeNode | None:
    a_required, b_required = isinstance(a, NonNullTypeNode), isinstance(b, NonNullTypeNode)
    inner_a = a.type if isinstance(a, NonNullTypeNode) else a
    inner_b = b.type if isinstance(b, NonNullTypeNode) else b
    inner: TypeNode | None
    if isinstance(inner_a, ListTypeNode) and isinstance(inner_b, ListTypeNode):
        element = _strictest(inner_a.type, inner_b.type)
        inner = None if element is None else ListTypeNode(type=element)
    elif isinstance(inner_a, NamedTypeNode) and isinstance(inner_b, NamedTypeNode):
        inner = inner_a if inner_a.name.value == inner_b.name.value else None
    else:
        inner = None
    if inner is None:
        return None
    return NonNullTypeNode(type=inner) if a_required or b_required else inner
