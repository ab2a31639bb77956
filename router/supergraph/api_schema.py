"""The API schema: the supergraph minus the federation machinery and ``@inaccessible`` elements.

Works on the document AST (cheaper and simpler than rebuilding a ``GraphQLSchema``), then builds
the schema clients validate against with graphql-core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeNode,
    UnionTypeDefinitionNode,
)

from .links import Links

N = TypeVar("N")


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, (ListTypeNode, NonNullTypeNode)):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def _copy(node: N, **changes: Any) -> N:
    clone = node.__copy__()  # type: ignore[attr-defined]
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone  # type: ignore[no-any-return]


class ApiSchemaFilter:
    def __init__(self, document: DocumentNode, links: Links) -> None:
        self.document = document
        inaccessible = links.get("inaccessible")
        self.inaccessible = inaccessible.directive("inaccessible") if inaccessible else "inaccessible"
        self.drop_directives = links.machinery_directives() | {self.inaccessible}
        self.drop_prefixes = tuple(links.machinery_prefixes() | {"join__", "link__", "core__"})
        self.hidden_types: set[str] = set()
        for definition in document.definitions:
            if isinstance(definition, TypeDefinitionNode) and (
                self._is_hidden(definition.directives) or definition.name.value.startswith(self.drop_prefixes)
            ):
                self.hidden_types.add(definition.name.value)

    def _is_hidden(self, directives: Sequence[DirectiveNode] | None) -> bool:
        return any(d.name.value == self.inaccessible for d in directives or ())

    def _keep_directives(self, directives: Sequence[DirectiveNode] | None) -> tuple[DirectiveNode, ...]:
        return tuple(
            d
            for d in directives or ()
            if d.name.value not in self.drop_directives and not d.name.value.startswith(self.drop_prefixes)
        )

    def _input_values(self, values: Sequence[InputValueDefinitionNode] | None) -> tuple[InputValueDefinitionNode, ...]:
        return tuple(
            _copy(v, directives=self._keep_directives(v.directives))
            for v in values or ()
            if not self._is_hidden(v.directives) and _named(v.type) not in self.hidden_types
        )

    def _fields(self, fields: Sequence[FieldDefinitionNode] | None) -> tuple[FieldDefinitionNode, ...]:
        return tuple(
            _copy(f, directives=self._keep_directives(f.directives), arguments=self._input_values(f.arguments))
            for f in fields or ()
            if not self._is_hidden(f.directives) and _named(f.type) not in self.hidden_types
        )

    def _definition(self, node: DefinitionNode) -> DefinitionNode | None:
        if isinstance(node, DirectiveDefinitionNode):
            name = node.name.value
            if name in self.drop_directives or name.startswith(self.drop_prefixes):
                return None
            return _copy(node, arguments=self._input_values(node.arguments))
        if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            return _copy(node, directives=self._keep_directives(node.directives))
        if not isinstance(node, TypeDefinitionNode):
            return node
        if node.name.value in self.hidden_types:
            return None
        changes: dict[str, Any] = {"directives": self._keep_directives(node.directives)}
        if isinstance(node, (ObjectTypeDefinitionNode, InterfaceTypeDefinitionNode)):
            changes["fields"] = self._fields(node.fields)
            changes["interfaces"] = tuple(i for i in node.interfaces or () if i.name.value not in self.hidden_types)
        elif isinstance(node, InputObjectTypeDefinitionNode):
            changes["fields"] = self._input_values(node.fields)
        elif isinstance(node, UnionTypeDefinitionNode):
            changes["types"] = tuple(t for t in node.types or () if t.name.value not in self.hidden_types)
        elif isinstance(node, EnumTypeDefinitionNode):
            changes["values"] = tuple(
                _copy(v, directives=self._keep_directives(v.directives))
                for v in node.values or ()
                if not self._is_hidden(v.directives)
            )
        return _copy(node, **changes)

    def filtered(self) -> DocumentNode:
        definitions = [d for d in map(self._definition, self.document.definitions) if d is not None]
        return replace_definitions(self.document, definitions)


def replace_definitions(document: DocumentNode, definitions: list[DefinitionNode]) -> DocumentNode:
    return DocumentNode(definitions=tuple(definitions), loc=document.loc)
