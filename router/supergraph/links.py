"""``@link`` (and legacy ``@core``) handling: which local names the join/link/inaccessible/tag specs use.

A supergraph may rename a spec (``@link(url: ".../join/v0.3", as: "j")`` gives ``@j__type``) or
import an element under its own name (``import: ["@inaccessible"]``, or ``{name: "@tag", as:
"@label"}``). Everything downstream asks this map for names instead of hard-coding them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import (
    ArgumentNode,
    DocumentNode,
    ListValueNode,
    ObjectValueNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    StringValueNode,
    ValueNode,
)

from .errors import SupergraphError, where

_SPEC_URL = re.compile(r"^https?://specs\.apollo\.dev/(?P<name>[a-z_]+)/v(?P<major>\d+)\.(?P<minor>\d+)/?$")
SUPPORTED = {"link": {(1, 0)}, "core": {(0, 1), (0, 2)}, "join": {(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)}}


@dataclass(frozen=True, slots=True)
class LinkedSpec:
    name: str
    version: tuple[int, int]
    prefix: str
    imports: dict[str, str] = field(default_factory=dict)  # "@element" / "Type" -> local name

    def directive(self, element: str) -> str:
        """Local name of the spec's directive ``element`` (``"type"`` for join, ``"inaccessible"``...)."""
        imported = self.imports.get("@" + element)
        if imported is not None:
            return imported.lstrip("@")
        if element == self.name:
            return self.prefix
        return f"{self.prefix}__{element}"

    def type_name(self, element: str) -> str:
        imported = self.imports.get(element)
        return imported if imported is not None else f"{self.prefix}__{element}"


@dataclass(slots=True)
class Links:
    """The specs a supergraph links, by spec name."""

    specs: dict[str, LinkedSpec] = field(default_factory=dict)
    link_directive: str = "link"

    def get(self, spec: str) -> LinkedSpec | None:
        return self.specs.get(spec)

    def machinery_directives(self) -> set[str]:
        """Directive names that belong to the federation machinery (removed from the API schema)."""
        names: set[str] = {self.link_directive}
        for spec in self.specs.values():
            if spec.name in (
                "join",
                "link",
                "core",
                "inaccessible",
                "tag",
                "context",
                "cost",
                "authenticated",
                "requiresScopes",
                "policy",
            ):
                names.add(spec.prefix)
                names.update(i.lstrip("@") for i in spec.imports.values() if i.startswith("@"))
        return names

    def machinery_prefixes(self) -> set[str]:
        return {s.prefix + "__" for s in self.specs.values()}


def _string(value: ValueNode) -> str | None:
    return value.value if isinstance(value, StringValueNode) else None


def _imports(arg: ArgumentNode) -> dict[str, str]:
    out: dict[str, str] = {}
    values = arg.value.values if isinstance(arg.value, ListValueNode) else (arg.value,)
    for value in values:
        if isinstance(value, StringValueNode):
            out[value.value] = value.value
        elif isinstance(value, ObjectValueNode):
            fields = {f.name.value: _string(f.value) for f in value.fields}
            name, alias = fields.get("name"), fields.get("as")
            if name is None:
                raise SupergraphError(f"{where(value)}: @link import without a name")
            out[name] = alias or name
        else:
            raise SupergraphError(f"{where(value)}: @link import must be a string or {{name, as}}")
    return out


def read_links(document: DocumentNode) -> Links:
    """Read the ``@link``/``@core`` applications on the schema definition (and extensions)."""
    links = Links()
    for definition in document.definitions:
        if not isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue
        for directive in definition.directives or ():
            if directive.name.value not in ("link", "core"):
                continue
            args = {a.name.value: a for a in directive.arguments or ()}
            url_arg = args.get("url") or args.get("feature")
            url = _string(url_arg.value) if url_arg else None
            if url is None:
                raise SupergraphError(f"{where(directive)}: @{directive.name.value} without a url")
            match = _SPEC_URL.match(url)
            if match is None:
                continue  # a custom feature: kept as-is in the API schema
            name = match["name"]
            version = (int(match["major"]), int(match["minor"]))
            supported = SUPPORTED.get(name)
            if supported is not None and version not in supported:
                raise SupergraphError(
                    f"{where(directive)}: unsupported {name} spec version v{version[0]}.{version[1]}"
                    f" (supported: {', '.join(f'v{a}.{b}' for a, b in sorted(supported))})"
                )
            as_arg = args.get("as")
            prefix = (_string(as_arg.value) if as_arg else None) or name
            imports = _imports(args["import"]) if "import" in args else {}
            links.specs[name] = LinkedSpec(name, version, prefix, imports)
            if name in ("link", "core"):
                links.link_directive = prefix
    if "join" not in links.specs:
        raise SupergraphError(
            "not a supergraph: the schema does not @link the join spec (https://specs.apollo.dev/join)"
        )
    return links
