"""Comparing supergraphs: Apollo's composition (node) as the oracle, API schemas and join metadata."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    SchemaDefinitionNode,
    TypeDefinitionNode,
    UnionTypeDefinitionNode,
    build_ast_schema,
    lexicographic_sort_schema,
    parse,
    print_ast,
    print_schema,
)

APOLLO_DIR = Path(__file__).resolve().parents[3] / "apollo"
SubgraphSet = list[tuple[str, str]]

_KEPT_DIRECTIVES = frozenset({"deprecated", "specifiedBy", "oneOf"})
_METADATA_DIRECTIVES = re.compile(r"^(join__\w+|inaccessible|tag|authenticated|requiresScopes|policy)$")


def as_inputs(subgraphs: SubgraphSet) -> list[dict[str, str]]:
    return [{"name": name, "url": f"http://127.0.0.1:4000/{name}", "sdl": sdl} for name, sdl in subgraphs]


def apollo_compose_batch(cases: dict[str, SubgraphSet]) -> dict[str, dict[str, Any]]:
    """Compose every case with ``@apollo/composition`` in one node process."""
    payload = json.dumps({"batch": {name: as_inputs(subgraphs) for name, subgraphs in cases.items()}})
    completed = subprocess.run(
        ["node", "compose_ref.mjs"], input=payload, capture_output=True, text=True, cwd=APOLLO_DIR, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"compose_ref.mjs failed: {completed.stderr}")
    result: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return result


def gateway_api_schemas(supergraphs: dict[str, str]) -> dict[str, dict[str, str]]:
    """Load each supergraph in Apollo Gateway; per name, {"apiSchema": ...} or {"error": ...}."""
    completed = subprocess.run(
        ["node", "gateway_api.mjs"],
        input=json.dumps(supergraphs),
        capture_output=True,
        text=True,
        cwd=APOLLO_DIR,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"gateway_api.mjs failed: {completed.stderr}")
    result: dict[str, dict[str, str]] = json.loads(completed.stdout)
    return result


def _is_machinery(name: str) -> bool:
    return name.startswith(("join__", "link__", "requiresScopes__", "policy__"))


def _inaccessible(node: Any) -> bool:
    return any(d.name.value == "inaccessible" for d in getattr(node, "directives", None) or ())


def _clean_directives(node: Any) -> tuple[DirectiveNode, ...]:
    return tuple(d for d in node.directives or () if d.name.value in _KEPT_DIRECTIVES)


def _clean_input_value(node: InputValueDefinitionNode) -> InputValueDefinitionNode:
    return InputValueDefinitionNode(
        name=node.name,
        type=node.type,
        default_value=node.default_value,
        description=node.description,
        directives=_clean_directives(node),
    )


def api_schema(supergraph_sdl: str) -> str:
    """The client-facing schema of a supergraph, printed sorted: join/link machinery and
    ``@inaccessible`` elements removed, only ``@deprecated``/``@specifiedBy`` kept."""
    document = parse(supergraph_sdl)
    hidden = {d.name.value for d in document.definitions if isinstance(d, TypeDefinitionNode) and _inaccessible(d)}
    definitions: list[Any] = []
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode | DirectiveDefinitionNode):
            continue
        assert isinstance(node, TypeDefinitionNode)
        name = node.name.value
        if _is_machinery(name) or name in hidden:
            continue
        kwargs: dict[str, Any] = {
            "name": node.name,
            "description": node.description,
            "directives": _clean_directives(node),
        }
        if isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            kwargs["interfaces"] = tuple(i for i in node.interfaces or () if i.name.value not in hidden)
            kwargs["fields"] = tuple(
                FieldDefinitionNode(
                    name=f.name,
                    type=f.type,
                    description=f.description,
                    directives=_clean_directives(f),
                    arguments=tuple(_clean_input_value(a) for a in f.arguments or () if not _inaccessible(a)),
                )
                for f in node.fields or ()
                if not _inaccessible(f)
            )
        elif isinstance(node, UnionTypeDefinitionNode):
            kwargs["types"] = tuple(t for t in node.types or () if t.name.value not in hidden)
        elif isinstance(node, EnumTypeDefinitionNode):
            kwargs["values"] = tuple(
                type(v)(name=v.name, description=v.description, directives=_clean_directives(v))
                for v in node.values or ()
                if not _inaccessible(v)
            )
        elif isinstance(node, InputObjectTypeDefinitionNode):
            kwargs["fields"] = tuple(_clean_input_value(f) for f in node.fields or () if not _inaccessible(f))
        definitions.append(type(node)(**kwargs))
    schema = build_ast_schema(DocumentNode(definitions=tuple(definitions)))
    return print_schema(lexicographic_sort_schema(schema))


def _normalise_value(name: str, value: str) -> str:
    if name in ("key", "requires", "provides"):
        return " ".join(re.sub(r"([{}])", r" \1 ", value).split())
    return value


def _directive_tuple(coordinate: str, directive: DirectiveNode) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    args = []
    for argument in directive.arguments or ():
        value = print_ast(argument.value)
        if argument.value.kind == "string_value":
            value = _normalise_value(argument.name.value, argument.value.value)  # type: ignore[attr-defined]
        args.append((argument.name.value, value))
    return coordinate, directive.name.value, tuple(sorted(args))


def join_metadata(supergraph_sdl: str) -> Counter[tuple[str, str, tuple[tuple[str, str], ...]]]:
    """Every join/inaccessible/tag/access-control directive of the supergraph, by schema coordinate."""
    document = parse(supergraph_sdl)
    found: Counter[tuple[str, str, tuple[tuple[str, str], ...]]] = Counter()

    def collect(coordinate: str, node: Any) -> None:
        for directive in getattr(node, "directives", None) or ():
            if _METADATA_DIRECTIVES.match(directive.name.value):
                found[_directive_tuple(coordinate, directive)] += 1

    for node in document.definitions:
        if not isinstance(node, TypeDefinitionNode) or _is_machinery(node.name.value):
            continue
        name = node.name.value
        collect(name, node)
        for child in getattr(node, "fields", None) or ():
            collect(f"{name}.{child.name.value}", child)
            for arg in getattr(child, "arguments", None) or ():
                collect(f"{name}.{child.name.value}({arg.name.value}:)", arg)
        for value in getattr(node, "values", None) or ():
            collect(f"{name}.{value.name.value}", value)
    return found


def graphs(supergraph_sdl: str) -> set[str]:
    """The ``join__Graph`` values with their name and url arguments."""
    document = parse(supergraph_sdl)
    for node in document.definitions:
        if isinstance(node, EnumTypeDefinitionNode) and node.name.value == "join__Graph":
            return {print_ast(value) for value in node.values or ()}
    return set()


def schema_links(supergraph_sdl: str) -> set[str]:
    document = parse(supergraph_sdl)
    for node in document.definitions:
        if isinstance(node, SchemaDefinitionNode):
            return {print_ast(d) for d in node.directives or ()}
    return set()
