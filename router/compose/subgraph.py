"""Subgraph SDL → :class:`~router.compose.model.Subgraph`, with federation directives read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NameNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    parse,
    value_from_ast_untyped,
)

from router.compose.errors import CompositionError
from router.compose.graphql_check import graphql_errors, is_machinery_type
from router.compose.inputs import SubgraphInput
from router.compose.links import Links, read_links
from router.compose.model import EnumValue, Field, InputValue, Key, Security, Subgraph, TypeDef
from router.compose.specs import SUBGRAPH_MACHINERY_FIELDS
from router.sdl_kinds import TYPE_KINDS

_DEFINITIONS = (
    ObjectTypeDefinitionNode,
    InterfaceTypeDefinitionNode,
    UnionTypeDefinitionNode,
    EnumTypeDefinitionNode,
    InputObjectTypeDefinitionNode,
    ScalarTypeDefinitionNode,
)
_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
_KEPT_VERBATIM = ("specifiedBy", "oneOf")
FEATURES = ("tag", "inaccessible", "authenticated", "requiresScopes", "policy")


class _Reader:
    def __init__(self, subgraph_name: str, links: Links, errors: list[CompositionError]) -> None:
        self.subgraph = subgraph_name
        self.links = links
        self.errors = errors
        self.features: set[str] = set()

    def directives(self, nodes: Sequence[DirectiveNode] | None) -> list[tuple[str, dict[str, Any], DirectiveNode]]:
        result = []
        for node in nodes or ():
            local = node.name.value
            canonical = self.links.local_to_canonical.get(local, local)
            args = {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}
            result.append((canonical, args, node))
        return result

    def security(self, meta: Security, name: str, args: dict[str, Any], node: DirectiveNode) -> bool:
        """Fill ``meta`` from one directive; False if the directive is not one of the shared ones."""
        if name == "inaccessible":
            meta.inaccessible = True
        elif name == "tag":
            tag = str(args.get("name"))
            if tag not in meta.tags:
                meta.tags.append(tag)
        elif name == "authenticated":
            meta.authenticated = True
        elif name == "requiresScopes":
            meta.requires_scopes.extend([list(map(str, group)) for group in args.get("scopes") or []])
        elif name == "policy":
            meta.policies.extend([list(map(str, group)) for group in args.get("policies") or []])
        elif name == "deprecated":
            meta.deprecated_set = True
            reason = args.get("reason")
            meta.deprecated = None if reason is None else str(reason)
        elif name in _KEPT_VERBATIM:
            meta.other.append(node)
        else:
            return False
        if name in FEATURES:
            self.features.add(name)
        return True

    def input_value(self, node: InputValueDefinitionNode) -> InputValue:
        value = InputValue(
            name=node.name.value,
            type=node.type,
            default=node.default_value,
            description=node.description.value if node.description else None,
        )
        for name, args, directive in self.directives(node.directives):
            self.security(value.meta, name, args, directive)
        return value

    def field(self, node: Any) -> Field:
        result = Field(
            name=node.name.value,
            type=node.type,
            args={arg.name.value: self.input_value(arg) for arg in node.arguments or ()},
            description=node.description.value if node.description else None,
        )
        for name, args, directive in self.directives(node.directives):
            if self.security(result.meta, name, args, directive):
                continue
            if name == "external":
                result.external = True
            elif name == "shareable":
                result.shareable = True
            elif name == "requires":
                result.requires = str(args.get("fields", ""))
            elif name == "provides":
                result.provides = str(args.get("fields", ""))
            elif name == "override":
                result.override = str(args.get("from", ""))
                label = args.get("label")
                result.override_label = None if label is None else str(label)
        return result

    def type_directives(self, type_def: TypeDef, nodes: Sequence[DirectiveNode] | None) -> bool:
        """Apply type-level directives; True when ``@extends`` was among them."""
        extends = False
        for name, args, directive in self.directives(nodes):
            if self.security(type_def.meta, name, args, directive):
                continue
            if name == "key":
                resolvable = args.get("resolvable", True)
                type_def.keys.append(Key(fields=str(args.get("fields", "")), resolvable=resolvable is not False))
            elif name == "shareable":
                type_def.shareable = True
            elif name == "external":
                type_def.external = True
            elif name == "interfaceObject":
                type_def.interface_object = True
            elif name == "extends":
                extends = True
        return extends


def _root_renames(document: DocumentNode) -> dict[str, str]:
    renames: dict[str, str] = {}
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | SchemaExtensionNode):
            for operation in node.operation_types or ():
                target = _ROOTS[operation.operation.value]
                if operation.type.name.value != target:
                    renames[operation.type.name.value] = target
    return renames


def _rename_type_node(node: TypeNode, renames: dict[str, str]) -> TypeNode:
    if isinstance(node, NonNullTypeNode):
        return NonNullTypeNode(type=_rename_type_node(node.type, renames))
    if isinstance(node, ListTypeNode):
        return ListTypeNode(type=_rename_type_node(node.type, renames))
    assert isinstance(node, NamedTypeNode)
    name = node.name.value
    return NamedTypeNode(name=NameNode(value=renames[name])) if name in renames else node


def _apply_renames(types: dict[str, TypeDef], renames: dict[str, str]) -> dict[str, TypeDef]:
    renamed: dict[str, TypeDef] = {}
    for type_def in types.values():
        type_def.name = renames.get(type_def.name, type_def.name)
        for field in type_def.fields.values():
            field.type = _rename_type_node(field.type, renames)
            for arg in field.args.values():
                arg.type = _rename_type_node(arg.type, renames)
        for input_field in type_def.input_fields.values():
            input_field.type = _rename_type_node(input_field.type, renames)
        type_def.interfaces = [renames.get(name, name) for name in type_def.interfaces]
        type_def.members = [renames.get(name, name) for name in type_def.members]
        renamed[type_def.name] = type_def
    return renamed


def read_subgraph(source: SubgraphInput, errors: list[CompositionError]) -> Subgraph | None:
    """Parse and check one subgraph; appends its problems to ``errors`` and returns None if unusable."""
    try:
        document = parse(source.sdl)
    except GraphQLError as exc:
        errors.append(CompositionError("INVALID_GRAPHQL", f"[{source.name}] {exc.message}", source.name))
        return None
    links = read_links(document)
    for problem in links.problems:
        errors.append(CompositionError("INVALID_LINK_DIRECTIVE_USAGE", f"[{source.name}] {problem}", source.name))
    problems = graphql_errors(document, links)
    for message in problems:
        errors.append(CompositionError("INVALID_GRAPHQL", f"[{source.name}] {message}", source.name))
    if problems or links.problems:
        return None
    reader = _Reader(source.name, links, errors)
    types: dict[str, TypeDef] = {}
    defined: set[str] = set()
    extended: set[str] = set()
    for node in document.definitions:
        kind = TYPE_KINDS.get(type(node))
        if kind is None:
            continue
        name = node.name.value  # type: ignore[attr-defined]
        if is_machinery_type(name):
            continue
        type_def = types.setdefault(name, TypeDef(name=name, kind=kind))
        if isinstance(node, _DEFINITIONS):
            defined.add(name)
            if node.description is not None:
                type_def.description = node.description.value
        if reader.type_directives(type_def, node.directives):  # type: ignore[attr-defined]
            extended.add(name)
        for field_node in getattr(node, "fields", None) or ():
            if kind == "input":
                type_def.input_fields[field_node.name.value] = reader.input_value(field_node)
            elif field_node.name.value not in SUBGRAPH_MACHINERY_FIELDS:
                type_def.fields[field_node.name.value] = reader.field(field_node)
        for interface in getattr(node, "interfaces", None) or ():
            if interface.name.value not in type_def.interfaces:
                type_def.interfaces.append(interface.name.value)
        for member in getattr(node, "types", None) or ():
            if member.name.value not in type_def.members:
                type_def.members.append(member.name.value)
        for value_node in getattr(node, "values", None) or ():
            value = EnumValue(
                name=value_node.name.value,
                description=value_node.description.value if value_node.description else None,
            )
            for dname, args, directive in reader.directives(value_node.directives):
                reader.security(value.meta, dname, args, directive)
            type_def.values[value.name] = value
    for name, type_def in types.items():
        type_def.extension = name not in defined or name in extended
    renames = _root_renames(document)
    if renames:
        types = _apply_renames(types, renames)
    # Every subgraph answers queries (``_entities``, ``_service``), so Apollo gives each one a Query root.
    types.setdefault("Query", TypeDef(name="Query", kind="object"))
    for root in ("Query", "Mutation", "Subscription"):
        if root in types:
            types[root].extension = False
    return Subgraph(
        name=source.name,
        url=source.url,
        types=types,
        federation_version=links.federation_version,
        uses_features=reader.features,
    )
