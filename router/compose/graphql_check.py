"""Is a subgraph's SDL valid GraphQL once the federation definitions it relies on are added?

Subgraph servers print their SDL without the definitions of ``@key`` and friends, Federation-1 SDL
extends types it never defines, and some servers include ``_service``/``_entities``. This module builds
a document graphql-core can check: federation definitions under the subgraph's local names, orphan
extensions turned into definitions, gateway machinery removed.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLError,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
    validate_schema,
)

from router.compose.links import Links
from router.compose.specs import (
    DIRECTIVE_DEFINITIONS,
    SUBGRAPH_MACHINERY_FIELDS,
    SUBGRAPH_MACHINERY_TYPES,
    SUPPORT_DEFINITIONS,
)
from router.sdl_kinds import EXTENSION_TO_DEFINITION

_NO_QUERY_ROOT = "Query root type must be provided."


def is_machinery_type(name: str) -> bool:
    return name in SUBGRAPH_MACHINERY_TYPES or name.startswith(("federation__", "link__"))


def _strip_machinery_fields(node: Any) -> Any:
    fields = getattr(node, "fields", None)
    if not fields or not any(f.name.value in SUBGRAPH_MACHINERY_FIELDS for f in fields):
        return node
    kept = tuple(f for f in fields if f.name.value not in SUBGRAPH_MACHINERY_FIELDS)
    copy = node.__copy__()
    copy.fields = kept
    return copy


def checkable_document(document: DocumentNode, links: Links) -> DocumentNode:
    federation_locals = set(links.local_to_canonical)
    defined = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode) and d.name is not None}
    promoted: set[str] = set()
    definitions: list[Any] = []
    for node in document.definitions:
        if isinstance(node, DirectiveDefinitionNode) and node.name.value in federation_locals:
            continue
        if isinstance(node, TypeDefinitionNode | TypeExtensionNode):
            name = node.name.value
            if is_machinery_type(name):
                continue
            node = _strip_machinery_fields(node)
            if isinstance(node, TypeExtensionNode) and name not in defined and name not in promoted:
                promoted.add(name)
                kwargs = {key: getattr(node, key) for key in node.keys if key != "loc"}
                node = EXTENSION_TO_DEFINITION[type(node)](**kwargs, description=None)
        definitions.append(node)
    extra = [SUPPORT_DEFINITIONS]
    for local, canonical in links.local_to_canonical.items():
        extra.append(DIRECTIVE_DEFINITIONS[canonical].format(name=local))
    definitions.extend(parse("\n".join(extra)).definitions)
    return DocumentNode(definitions=tuple(definitions))


def graphql_errors(document: DocumentNode, links: Links) -> list[str]:
    """The messages of every GraphQL validity problem of the subgraph (empty when valid)."""
    try:
        schema = build_ast_schema(checkable_document(document, links))
    except (TypeError, GraphQLError) as exc:
        return [line for line in str(exc).split("\n\n") if line.strip()]
    # A subgraph may have no query root of its own (it only extends entities); that is valid here.
    return [error.message for error in validate_schema(schema) if error.message != _NO_QUERY_ROOT]
