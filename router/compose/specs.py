"""The specs composition speaks: federation directives in subgraphs, link/join in the supergraph."""

from __future__ import annotations

SPECS_PREFIX = "https://specs.apollo.dev/"

# Canonical federation-2 directive names, and which of them came with which federation version.
FEDERATION_DIRECTIVES: dict[str, tuple[int, int]] = {
    "key": (2, 0),
    "requires": (2, 0),
    "provides": (2, 0),
    "external": (2, 0),
    "tag": (2, 0),
    "extends": (2, 0),
    "shareable": (2, 0),
    "inaccessible": (2, 0),
    "override": (2, 0),
    "composeDirective": (2, 1),
    "interfaceObject": (2, 3),
    "authenticated": (2, 5),
    "requiresScopes": (2, 5),
    "policy": (2, 6),
    "context": (2, 8),
    "fromContext": (2, 8),
    "cost": (2, 9),
    "listSize": (2, 9),
}

# Federation 1 had no @link: these names were always available.
FED1_DIRECTIVES = ("key", "requires", "provides", "external", "extends", "tag", "inaccessible", "shareable")

# Stand-alone specs a subgraph may @link to instead of going through the federation spec.
STANDALONE_SPECS = ("tag", "inaccessible", "authenticated", "requiresScopes", "policy")

# Definitions used to check a subgraph is valid GraphQL; ``{name}`` is replaced by the local name.
DIRECTIVE_DEFINITIONS: dict[str, str] = {
    "key": (
        "directive @{name}(fields: federation__FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE"
    ),
    "requires": "directive @{name}(fields: federation__FieldSet!) on FIELD_DEFINITION",
    "provides": "directive @{name}(fields: federation__FieldSet!) on FIELD_DEFINITION",
    "external": "directive @{name}(reason: String) on OBJECT | FIELD_DEFINITION",
    "tag": (
        "directive @{name}(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
        " | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA"
    ),
    "extends": "directive @{name} on OBJECT | INTERFACE",
    "shareable": "directive @{name} repeatable on OBJECT | FIELD_DEFINITION",
    "inaccessible": (
        "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR"
        " | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
    ),
    "override": "directive @{name}(from: String!, label: String) on FIELD_DEFINITION",
    "composeDirective": "directive @{name}(name: String!) repeatable on SCHEMA",
    "interfaceObject": "directive @{name} on OBJECT",
    "authenticated": "directive @{name} on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    "requiresScopes": (
        "directive @{name}(scopes: [[federation__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"
    ),
    "policy": (
        "directive @{name}(policies: [[federation__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE"
        " | SCALAR | ENUM"
    ),
    "context": "directive @{name}(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    "fromContext": "directive @{name}(field: federation__ContextFieldValue) on ARGUMENT_DEFINITION",
    "cost": (
        "directive @{name}(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION"
        " | OBJECT | SCALAR"
    ),
    "listSize": (
        "directive @{name}(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],"
        " requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION"
    ),
    "link": (
        "directive @{name}(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA"
    ),
}

SUPPORT_DEFINITIONS = """
scalar federation__FieldSet
scalar federation__Scope
scalar federation__Policy
scalar federation__ContextFieldValue
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
"""

# Types and fields a subgraph server adds for the gateway; they are not part of the composed graph.
SUBGRAPH_MACHINERY_TYPES = frozenset(
    {"_Any", "_Entity", "_Service", "_FieldSet", "FieldSet", "link__Import", "link__Purpose"}
)
SUBGRAPH_MACHINERY_FIELDS = frozenset({"_service", "_entities"})


def join_version(federation_version: tuple[int, int]) -> str:
    """The join spec version Apollo writes for the newest federation version among the subgraphs."""
    if federation_version >= (2, 8):
        return "0.5"
    if federation_version >= (2, 7):
        return "0.4"
    return "0.3"


def parse_spec_url(url: str) -> tuple[str, tuple[int, int]] | None:
    """``https://specs.apollo.dev/federation/v2.9`` → ("federation", (2, 9)); None for other URLs."""
    if not url.startswith(SPECS_PREFIX):
        return None
    parts = url[len(SPECS_PREFIX) :].rstrip("/").split("/")
    if len(parts) != 2 or not parts[1].startswith("v"):
        return None
    major, _, minor = parts[1][1:].partition(".")
    if not major.isdigit() or not minor.isdigit():
        return None
    return parts[0], (int(major), int(minor))
