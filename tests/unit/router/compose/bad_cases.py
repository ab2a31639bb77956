"""Known-bad subgraph sets and the Apollo error code each must be refused with."""

from __future__ import annotations

from tests.unit.router.compose.cases import ALL, fed2
from tests.unit.router.compose.support import SubgraphSet

F = ALL + ', "@interfaceObject"'


def two(a: str, b: str, version: str = "2.9") -> SubgraphSet:
    return [("a", fed2(F, a, version)), ("b", fed2(F, b, version))]


INVALID: dict[str, tuple[SubgraphSet, str]] = {
    "non_shareable_field": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! name: String }',
            'type Query { b: T }\ntype T @key(fields: "id") { id: ID! name: String }',
        ),
        "INVALID_FIELD_SHARING",
    ),
    "non_shareable_value_type": (
        two("type Query { a: P @shareable }\ntype P { x: Int }", "type Query { a: P @shareable }\ntype P { x: Int }"),
        "INVALID_FIELD_SHARING",
    ),
    "non_shareable_root_field": (
        two("type Query { a: Int }", "type Query { a: Int }"),
        "INVALID_FIELD_SHARING",
    ),
    "field_type_mismatch": (
        two(
            "type Query { a: P @shareable }\ntype P @shareable { x: Int }",
            "type Query { b: P }\ntype P @shareable { x: String }",
        ),
        "FIELD_TYPE_MISMATCH",
    ),
    "input_field_type_mismatch": (
        two("type Query { a(i: I): Int }\ninput I { x: Int }", "type Query { b(i: I): Int }\ninput I { x: String }"),
        "FIELD_TYPE_MISMATCH",
    ),
    "argument_type_mismatch": (
        two("type Query { a(x: Int): Int @shareable }", "type Query { a(x: String): Int @shareable }"),
        "FIELD_ARGUMENT_TYPE_MISMATCH",
    ),
    "required_argument_missing": (
        two("type Query { a(x: Int!): Int @shareable }", "type Query { a: Int @shareable }"),
        "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
    ),
    "argument_default_mismatch": (
        two("type Query { a(x: Int = 1): Int @shareable }", "type Query { a(x: Int = 2): Int @shareable }"),
        "FIELD_ARGUMENT_DEFAULT_MISMATCH",
    ),
    "enum_value_mismatch": (
        two(
            "type Query { a(s: S): S }\nenum S { A B }",
            "type Query { b: S }\nenum S { A C }",
        ),
        "ENUM_VALUE_MISMATCH",
    ),
    "empty_merged_enum": (
        two("type Query { a(s: S): Int }\nenum S { A }", "type Query { b(s: S): Int }\nenum S { B }"),
        "EMPTY_MERGED_ENUM_TYPE",
    ),
    "required_input_field_missing": (
        two(
            "type Query { a(i: I): Int }\ninput I { x: Int! y: Int }", "type Query { b(i: I): Int }\ninput I { y: Int }"
        ),
        "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
    ),
    "empty_merged_input": (
        two("type Query { a(i: I): Int }\ninput I { x: Int }", "type Query { b(i: I): Int }\ninput I { y: Int }"),
        "EMPTY_MERGED_INPUT_TYPE",
    ),
    "input_default_mismatch": (
        two(
            "type Query { a(i: I): Int }\ninput I { x: Int = 1 }", "type Query { b(i: I): Int }\ninput I { x: Int = 2 }"
        ),
        "INPUT_FIELD_DEFAULT_MISMATCH",
    ),
    "type_kind_mismatch": (
        two("type Query { a: T }\ntype T { x: Int }", "type Query { b: T }\ninterface T { x: Int }"),
        "TYPE_KIND_MISMATCH",
    ),
    "key_unknown_field": (
        two('type Query { a: T }\ntype T @key(fields: "nope") { id: ID! }', "type Query { b: Int }"),
        "KEY_INVALID_FIELDS",
    ),
    "key_bad_syntax": (
        two('type Query { a: T }\ntype T @key(fields: "id {") { id: ID! }', "type Query { b: Int }"),
        "KEY_INVALID_FIELDS",
    ),
    "key_field_with_args": (
        two('type Query { a: T }\ntype T @key(fields: "id") { id(x: Int): ID! }', "type Query { b: Int }"),
        "KEY_FIELDS_HAS_ARGS",
    ),
    "key_selects_interface": (
        two(
            'type Query { a: T }\ntype T @key(fields: "n { x }") { n: N! }\ninterface N { x: Int }\n'
            "type M implements N { x: Int }",
            "type Query { b: Int }",
        ),
        "KEY_FIELDS_SELECT_INVALID_TYPE",
    ),
    "requires_unknown_field": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: Int @requires(fields: "nope") }',
            'type T @key(fields: "id") { id: ID! }',
        ),
        "REQUIRES_INVALID_FIELDS",
    ),
    "provides_on_scalar": (
        two(
            'type Query { a: Int @provides(fields: "x") }',
            "type Query { b: Int }",
        ),
        "PROVIDES_ON_NON_OBJECT_FIELD",
    ),
    "provides_unknown_field": (
        two(
            'type Query { a: T @provides(fields: "nope") }\ntype T @key(fields: "id") { id: ID! }',
            'type T @key(fields: "id") { id: ID! x: Int }',
        ),
        "PROVIDES_INVALID_FIELDS",
    ),
    "external_unused": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: Int @external }',
            'type T @key(fields: "id") { id: ID! x: Int }',
        ),
        "EXTERNAL_UNUSED",
    ),
    "external_missing_on_base": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: Int @external y: Int @requires(fields: "x") }',
            'type T @key(fields: "id") { id: ID! }',
        ),
        "EXTERNAL_MISSING_ON_BASE",
    ),
    "external_type_mismatch": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: String @external'
            ' y: Int @requires(fields: "x") }',
            'type T @key(fields: "id") { id: ID! x: Int }',
        ),
        "EXTERNAL_TYPE_MISMATCH",
    ),
    "override_from_self": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: Int @override(from: "a") }',
            "type Query { b: Int }",
        ),
        "OVERRIDE_FROM_SELF_ERROR",
    ),
    "override_source_has_override": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: Int @override(from: "b") }',
            'type T @key(fields: "id") { id: ID! x: Int @override(from: "a") }',
        ),
        "OVERRIDE_SOURCE_HAS_OVERRIDE",
    ),
    "override_external": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! x: Int @external @override(from: "b")'
            ' y: Int @requires(fields: "x") }',
            'type T @key(fields: "id") { id: ID! x: Int }',
        ),
        "OVERRIDE_COLLISION_WITH_ANOTHER_DIRECTIVE",
    ),
    "unknown_type": (two("type Query { a: Nope }", "type Query { b: Int }"), "INVALID_GRAPHQL"),
    "unknown_directive": (two("type Query { a: Int @nope }", "type Query { b: Int }"), "INVALID_GRAPHQL"),
    "unknown_import": (
        [
            (
                "a",
                'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@nope"])\n'
                "type Query { a: Int }",
            )
        ],
        "INVALID_LINK_DIRECTIVE_USAGE",
    ),
    "referenced_inaccessible": (
        two("type Query { a: T }\ntype T @inaccessible { x: Int }", "type Query { b: Int }"),
        "REFERENCED_INACCESSIBLE",
    ),
    "only_inaccessible_children": (
        two("type Query { a: T }\ntype T { x: Int @inaccessible }", "type Query { b: Int }"),
        "ONLY_INACCESSIBLE_CHILDREN",
    ),
    "required_inaccessible": (
        two("type Query { a(x: Int! @inaccessible): Int }", "type Query { b: Int }"),
        "REQUIRED_INACCESSIBLE",
    ),
    "implemented_by_inaccessible": (
        two(
            "type Query { a: I }\ninterface I { x: Int }\ntype T implements I { x: Int @inaccessible }",
            "type Query { b: Int }",
        ),
        "IMPLEMENTED_BY_INACCESSIBLE",
    ),
    "interface_field_no_implementation": (
        two(
            "type Query { a: I }\ninterface I { x: Int }\ntype T implements I { x: Int }",
            "type Query { b: I }\ninterface I { x: Int y: Int }",
        ),
        "INTERFACE_FIELD_NO_IMPLEM",
    ),
    "interface_object_without_key": (
        two(
            'type Query { a: I }\ninterface I @key(fields: "id") { id: ID! }\n'
            'type T implements I @key(fields: "id") { id: ID! }',
            "type I @interfaceObject { id: ID! x: Int }",
            "2.3",
        ),
        "INTERFACE_OBJECT_USAGE_ERROR",
    ),
    "unsatisfiable_value_type_field": (
        two(
            "type Query { a: T }\ntype T @shareable { x: Int }",
            "type Query { b: T }\ntype T @shareable { x: Int y: Int }",
        ),
        "SATISFIABILITY_ERROR",
    ),
    "unsatisfiable_key_fields_missing": (
        two(
            "type Query { a: T }\ntype T @shareable { name: String }",
            'type T @key(fields: "id") @shareable { id: ID! name: String extra: Int }',
        ),
        "SATISFIABILITY_ERROR",
    ),
    "unsatisfiable_unresolvable_key": (
        two(
            'type Query { a: T }\ntype T @key(fields: "id") { id: ID! }\ntype Query2 { x: Int }',
            'type Query { b: T }\ntype T @key(fields: "id", resolvable: false) { id: ID! extra: Int }',
        ),
        "SATISFIABILITY_ERROR",
    ),
}

# Several problems in one set: all of them are reported, not only the first.
MULTIPLE: SubgraphSet = two(
    'type Query { a: T }\ntype T @key(fields: "id") { id: ID! name: String k: Int }\nenum E { X }\n'
    "type U { e: E f(a: Int!): Int }",
    'type Query { b: T }\ntype T @key(fields: "id") { id: ID! name: String k: String }',
)
MULTIPLE_CODES = {"INVALID_FIELD_SHARING", "FIELD_TYPE_MISMATCH"}
