"""Which local directive names a subgraph uses for which federation directive (its ``@link``s).

A federation-2 subgraph declares ``extend schema @link(url: ".../federation/v2.x", import: [...])``;
imported directives keep their name (or the ``as`` alias) and the others are reachable as
``@federation__name``. A subgraph without that link is a Federation-1 subgraph where the classic names
(``@key``, ``@external``, ...) are always available.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode, value_from_ast_untyped

from router.compose.specs import FED1_DIRECTIVES, FEDERATION_DIRECTIVES, STANDALONE_SPECS, parse_spec_url


@dataclass
class Links:
    federation_version: tuple[int, int]
    local_to_canonical: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def canonical_to_locals(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for local, canonical in self.local_to_canonical.items():
            result.setdefault(canonical, []).append(local)
        return result


def _import_pairs(raw: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for item in raw or []:
        if isinstance(item, str):
            pairs.append((item, item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            pairs.append((item["name"], str(item.get("as") or item["name"])))
    return pairs


def read_links(document: DocumentNode) -> Links:
    link_nodes = [
        directive
        for definition in document.definitions
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode)
        for directive in definition.directives or ()
        if directive.name.value == "link"
    ]
    links = Links(federation_version=(1, 0))
    found_federation = False
    for node in link_nodes:
        args = {arg.name.value: value_from_ast_untyped(arg.value) for arg in node.arguments or ()}
        spec = parse_spec_url(str(args.get("url") or ""))
        if spec is None:
            continue
        name, version = spec
        if name == "link":
            links.local_to_canonical[str(args.get("as") or "link")] = "link"
            continue
        if name == "federation":
            found_federation = True
            links.federation_version = version
            known = FEDERATION_DIRECTIVES
        elif name in STANDALONE_SPECS:
            known = {name: (0, 0)}
        else:
            continue
        prefix = str(args.get("as") or name)
        for directive in known:
            links.local_to_canonical[f"{prefix}__{directive}"] = directive
        if name != "federation":
            links.local_to_canonical[prefix] = name
        for imported, alias in _import_pairs(args.get("import")):
            if not imported.startswith("@"):
                continue  # an imported type such as FieldSet: nothing to map
            canonical = imported[1:]
            if canonical not in known:
                links.problems.append(f'Cannot import unknown element "{imported}" from {args.get("url")}')
                continue
            if name == "federation" and FEDERATION_DIRECTIVES[canonical] > version:
                links.problems.append(
                    f'Cannot import "{imported}": it was added in federation v{".".join(map(str, known[canonical]))}'
                    f" but the subgraph links v{version[0]}.{version[1]}"
                )
                continue
            links.local_to_canonical[alias.lstrip("@")] = canonical
            if prefix != canonical:
                # An imported directive is no longer reachable under its prefixed name.
                links.local_to_canonical.pop(f"{prefix}__{canonical}", None)
    if not found_federation:
        for directive in FED1_DIRECTIVES:
            links.local_to_canonical.setdefault(directive, directive)
    links.local_to_canonical.setdefault("link", "link")
    return links
