"""Printing the supergraph SDL in Apollo's layout (link/join spec definitions, then types by name)."""

from __future__ import annotations

from graphql import StringValueNode, print_ast
from graphql.language.block_string import print_block_string

from router.compose.model import Security
from router.compose.specs import join_version
from router.compose.supermodel import JoinField, SField, SInputValue, SType, Supergraph

_LINK_PURPOSE = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''

_CONTEXT_ARGUMENT = """input join__ContextArgument {
  name: String!
  type: String!
  context: String!
  selection: join__FieldValue!
}"""

_LOCATIONS_ALL = (
    "FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE"
    " | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
)
_ACCESS_LOCATIONS = "FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM"

# feature → (link url, purpose, directive definition, extra type definitions)
_FEATURES: dict[str, tuple[str, str | None, str, list[tuple[str, str]]]] = {
    "tag": ("tag/v0.3", None, f"directive @tag(name: String!) repeatable on {_LOCATIONS_ALL} | SCHEMA", []),
    "inaccessible": ("inaccessible/v0.2", "SECURITY", f"directive @inaccessible on {_LOCATIONS_ALL}", []),
    "authenticated": ("authenticated/v0.1", "SECURITY", f"directive @authenticated on {_ACCESS_LOCATIONS}", []),
    "requiresScopes": (
        "requiresScopes/v0.1",
        "SECURITY",
        f"directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on {_ACCESS_LOCATIONS}",
        [("requiresScopes__Scope", "scalar requiresScopes__Scope")],
    ),
    "policy": (
        "policy/v0.1",
        "SECURITY",
        f"directive @policy(policies: [[policy__Policy!]!]!) on {_ACCESS_LOCATIONS}",
        [("policy__Policy", "scalar policy__Policy")],
    ),
}


def _string(value: str) -> str:
    return print_ast(StringValueNode(value=value))


def _description(text: str | None, indent: str) -> str:
    if not text:
        return ""
    block = print_block_string(text)
    return "\n".join(indent + line if line else line for line in block.split("\n")) + "\n"


def _join_definitions(version: str) -> list[tuple[str, str]]:
    field_args = (
        "graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean,"
        " override: String, usedOverridden: Boolean"
    )
    if version >= "0.4":
        field_args += ", overrideLabel: String"
    if version >= "0.5":
        field_args += ", contextArguments: [join__ContextArgument!]"
    directives = [
        ("join__enumValue", "directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE"),
        (
            "join__field",
            f"directive @join__field({field_args}) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION",
        ),
        ("join__graph", "directive @join__graph(name: String!, url: String!) on ENUM_VALUE"),
        (
            "join__implements",
            "directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE",
        ),
        (
            "join__type",
            "directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false,"
            " resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE"
            " | UNION | ENUM | INPUT_OBJECT | SCALAR",
        ),
        ("join__unionMember", "directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION"),
        (
            "link",
            "directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA",
        ),
    ]
    if version >= "0.4":
        directives.append(
            (
                "join__directive",
                "directive @join__directive(graphs: [join__Graph!], name: String!, args: join__DirectiveArguments)"
                " repeatable on SCHEMA | OBJECT | INTERFACE | FIELD_DEFINITION",
            )
        )
    return directives


def _join_types(version: str, supergraph: Supergraph) -> list[tuple[str, str]]:
    graphs = "\n".join(
        f"  {g.enum_name} @join__graph(name: {_string(g.name)}, url: {_string(g.url)})" for g in supergraph.graphs
    )
    types = [
        ("join__FieldSet", "scalar join__FieldSet"),
        ("join__Graph", "enum join__Graph {\n" + graphs + "\n}"),
        ("link__Import", "scalar link__Import"),
        ("link__Purpose", _LINK_PURPOSE),
    ]
    if version >= "0.4":
        types.append(("join__DirectiveArguments", "scalar join__DirectiveArguments"))
    if version >= "0.5":
        types.append(("join__ContextArgument", _CONTEXT_ARGUMENT))
        types.append(("join__FieldValue", "scalar join__FieldValue"))
    return types


def used_features(supergraph: Supergraph) -> list[str]:
    metas: list[Security] = []
    for stype in supergraph.types.values():
        metas.append(stype.meta)
        for field in stype.fields.values():
            metas.append(field.meta)
            metas.extend(arg.meta for arg in field.args.values())
        metas.extend(value.meta for value in stype.input_fields.values())
        metas.extend(value.meta for value in stype.values.values())
    used = []
    if any(m.tags for m in metas):
        used.append("tag")
    if any(m.inaccessible for m in metas):
        used.append("inaccessible")
    if any(m.authenticated for m in metas):
        used.append("authenticated")
    if any(m.requires_scopes for m in metas):
        used.append("requiresScopes")
    if any(m.policies for m in metas):
        used.append("policy")
    return used


def _meta_directives(meta: Security) -> tuple[list[str], list[str]]:
    """(directives printed before the join ones, directives printed after them)."""
    before = ["@inaccessible"] if meta.inaccessible else []
    after = [f"@tag(name: {_string(tag)})" for tag in meta.tags]
    if meta.authenticated:
        after.append("@authenticated")
    if meta.requires_scopes:
        groups = ", ".join("[" + ", ".join(_string(s) for s in group) + "]" for group in meta.requires_scopes)
        after.append(f"@requiresScopes(scopes: [{groups}])")
    if meta.policies:
        groups = ", ".join("[" + ", ".join(_string(s) for s in group) + "]" for group in meta.policies)
        after.append(f"@policy(policies: [{groups}])")
    if meta.deprecated_set:
        after.append("@deprecated" if meta.deprecated is None else f"@deprecated(reason: {_string(meta.deprecated)})")
    after.extend(print_ast(node) for node in meta.other)
    return before, after


def _join_field(join: JoinField) -> str:
    args = [] if not join.graph else [f"graph: {join.graph}"]
    if join.requires is not None:
        args.append(f"requires: {_string(join.requires)}")
    if join.provides is not None:
        args.append(f"provides: {_string(join.provides)}")
    if join.override is not None:
        args.append(f"override: {_string(join.override)}")
    if join.override_label is not None:
        args.append(f"overrideLabel: {_string(join.override_label)}")
    if join.used_overridden:
        args.append("usedOverridden: true")
    if join.type is not None:
        args.append(f"type: {_string(join.type)}")
    if join.external:
        args.append("external: true")
    return "@join__field" + (f"({', '.join(args)})" if args else "")


def _input_value(value: SInputValue, with_joins: bool) -> str:
    text = f"{value.name}: {print_ast(value.type)}"
    if value.default is not None:
        text += f" = {print_ast(value.default)}"
    before, after = _meta_directives(value.meta)
    joins = [_join_field(j) for j in value.joins] if with_joins else []
    return " ".join([text, *before, *joins, *after])


def _field(field: SField) -> str:
    head = field.name
    if field.args:
        args = list(field.args.values())
        if any(a.description for a in args):
            lines = [_description(a.description, "    ") + "    " + _input_value(a, False) for a in args]
            head += "(\n" + "\n".join(lines) + "\n  )"
        else:
            head += "(" + ", ".join(_input_value(a, False) for a in args) + ")"
    before, after = _meta_directives(field.meta)
    joins = [_join_field(j) for j in field.joins]
    if field.bare_join:
        joins = ["@join__field"]
    text = " ".join([f"{head}: {print_ast(field.type)}", *before, *joins, *after])
    return _description(field.description, "  ") + "  " + text


def _type_directives(stype: SType) -> list[str]:
    lines = [f"@join__implements(graph: {g}, interface: {_string(i)})" for g, i in stype.implements]
    for join in stype.join_types:
        args = [f"graph: {join.graph}"]
        if join.key is not None:
            args.append(f"key: {_string(join.key)}")
        if join.extension:
            args.append("extension: true")
        if not join.resolvable:
            args.append("resolvable: false")
        if join.is_interface_object:
            args.append("isInterfaceObject: true")
        lines.append(f"@join__type({', '.join(args)})")
    lines.extend(f"@join__unionMember(graph: {g}, member: {_string(m)})" for g, m in stype.union_members)
    before, after = _meta_directives(stype.meta)
    return lines + before + after


def _type(stype: SType) -> str:
    keyword = {
        "object": "type",
        "interface": "interface",
        "union": "union",
        "enum": "enum",
        "input": "input",
        "scalar": "scalar",
    }[stype.kind]
    head = f"{keyword} {stype.name}"
    if stype.interfaces:
        head += " implements " + " & ".join(stype.interfaces)
    directives = "".join(f"\n  {d}" for d in _type_directives(stype))
    text = _description(stype.description, "") + head + directives
    if stype.kind == "scalar":
        return text
    if stype.kind == "union":
        return text + ("\n = " + " | ".join(stype.members) if stype.members else "")
    if stype.kind == "enum":
        lines = []
        for value in stype.values.values():
            before, after = _meta_directives(value.meta)
            joins = [f"@join__enumValue(graph: {g})" for g in value.graphs]
            lines.append(_description(value.description, "  ") + "  " + " ".join([value.name, *before, *joins, *after]))
        body = "\n".join(lines)
    elif stype.kind == "input":
        body = "\n".join(
            _description(v.description, "  ") + "  " + _input_value(v, True) for v in stype.input_fields.values()
        )
    else:
        body = "\n".join(_field(f) for f in stype.fields.values())
    return text + ("\n{\n" if directives else " {\n") + body + "\n}"


def print_supergraph(supergraph: Supergraph) -> str:
    version = join_version(supergraph.federation_version)
    features = used_features(supergraph)
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        f'@link(url: "https://specs.apollo.dev/join/v{version}", for: EXECUTION)',
    ]
    directives = _join_definitions(version)
    types = _join_types(version, supergraph)
    for feature in features:
        url, purpose, definition, extra = _FEATURES[feature]
        links.append(f'@link(url: "https://specs.apollo.dev/{url}"' + (f", for: {purpose})" if purpose else ")"))
        directives.append((feature, definition))
        types.extend(extra)
    roots = [
        f"  {op}: {name}"
        for op, name in (("query", "Query"), ("mutation", "Mutation"), ("subscription", "Subscription"))
        if name in supergraph.types
    ]
    parts = ["schema\n" + "".join(f"  {link}\n" for link in links) + "{\n" + "\n".join(roots) + "\n}"]
    parts.extend(text for _, text in sorted(directives, key=lambda d: d[0].lower()))
    printed = types + [(stype.name, _type(stype)) for stype in supergraph.types.values()]
    parts.extend(text for _, text in sorted(printed, key=lambda t: (t[0].lower(), t[0])))
    return "\n\n".join(parts)
