"""Our overlapping-fields rule against graphql-js's list of cases (rewritten for our schema): each
document is refused or accepted as expected, by our rule and by graphql-core's alike, and the
router's validation refuses exactly what graphql-core's full validation refuses."""

from __future__ import annotations

import pytest
from graphql import parse
from graphql import validate as graphql_validate

from router.validation import validate
from tests.unit.router.validation.support import SCHEMA, graphql_core, ours

pytestmark = pytest.mark.router

ACCEPTED = {
    "unique fields": "{ dog { name nickname } }",
    "identical fields": "{ dog { name name } }",
    "identical fields with identical args": (
        "{ dog { doesKnowCommand(dogCommand: SIT) doesKnowCommand(dogCommand: SIT) } }"
    ),
    "identical fields with different directives": "{ dog { name @include(if: true) name @skip(if: false) } }",
    "different args under different aliases": (
        "{ dog { knowsSit: doesKnowCommand(dogCommand: SIT) knowsDown: doesKnowCommand(dogCommand: DOWN) } }"
    ),
    "different directives under different aliases": (
        "{ dog { a: name @include(if: true) b: name @include(if: false) } }"
    ),
    "same alias on fields of exclusive parents": "{ pet { ... on Dog { name } ... on Cat { name: nickname } } }",
    "different args where no overlap is possible": (
        "{ pet { ... on Dog { isAtLocation(x: 0) } ... on Cat { isAtLocation(y: 0) } } }"
    ),
    "same args in another order": "{ dog { isAtLocation(x: 0, y: 1) isAtLocation(y: 1, x: 0) } }",
    "same object argument, fields in another order": (
        '{ dog { friend(complex: {name: "a", owner: "b"}) { name }'
        ' friend(complex: {owner: "b", name: "a"}) { name } } }'
    ),
    "same variable argument": (
        "query ($c: DogCommand) { dog { doesKnowCommand(dogCommand: $c) doesKnowCommand(dogCommand: $c) } }"
    ),
    "compatible shapes on different return types": (
        "{ someBox { ... on SomeBox { deepBox { unrelatedField } } ... on StringBox { deepBox { unrelatedField } } } }"
    ),
    "same alias, same leaf type, exclusive parents": (
        "{ someBox { ... on IntBox { scalar: unrelatedField } ... on StringBox { scalar } } }"
    ),
    "same wrapped scalar on two interfaces": (
        "{ someBox { ... on NonNullStringBox1 { scalar } ... on NonNullStringBox2 { scalar } } }"
    ),
    "inline fragment without type condition": "{ dog { name ... { name } } }",
    "unknown fragments are ignored": "{ dog { name ...Unknown ...Known } } fragment Known on Dog { name ...Other }",
    "unknown types are ignored": ("{ someBox { ... on UnknownType { scalar } ... on NonNullStringBox2 { scalar } } }"),
    "typename twice": "{ dog { __typename __typename } }",
    "typename against a field of an exclusive parent (graphql-core compares no type for __typename)": (
        "{ pet { ... on Dog { x: __typename } ... on Cat { x: name } } }"
    ),
    "different args deep under exclusive parents": (
        "{ catOrDog { ... on Dog { friend { isAtLocation(x: 1) } } ... on Cat { isAtLocation(x: 2) } } }"
    ),
    "deep fields under exclusive parents may differ in name": (
        "{ someBox { ... on IntBox { deepBox { x: unrelatedField } } ... on StringBox { deepBox { x: otherField } } } }"
    ),
    "recursive fragment": "{ dog { ...F } } fragment F on Dog { name ...F }",
    "transitively recursive fragments": (
        "{ dog { ...F } } fragment F on Dog { name ...G } fragment G on Dog { nickname ...F }"
    ),
    "one fragment spread under many aliases": (
        "{ a: dog { ...F } b: dog { ...F } c: dog { ...F } } fragment F on Dog { name }"
    ),
}

REFUSED = {
    "same alias on different fields": "{ dog { fido: name fido: nickname } }",
    "alias masking a field": "{ dog { name: nickname name } }",
    "an argument added": "{ dog { doesKnowCommand doesKnowCommand(dogCommand: HEEL) } }",
    "an argument dropped": "{ dog { doesKnowCommand(dogCommand: SIT) doesKnowCommand } }",
    "different argument values": "{ dog { doesKnowCommand(dogCommand: SIT) doesKnowCommand(dogCommand: HEEL) } }",
    "different argument names": "{ dog { isAtLocation(x: 0) isAtLocation(y: 0) } }",
    "different object argument": (
        '{ dog { friend(complex: {name: "a"}) { name } friend(complex: {name: "b"}) { name } } }'
    ),
    "string against block string": (
        '{ dog { friend(complex: {name: "a"}) { name } friend(complex: {name: """a"""}) { name } } }'
    ),
    "different variables": (
        "query ($a: DogCommand, $b: DogCommand) { dog {"
        " doesKnowCommand(dogCommand: $a) doesKnowCommand(dogCommand: $b) } }"
    ),
    "conflict between two fragments": (
        "{ dog { ...A ...B } } fragment A on Dog { x: name } fragment B on Dog { x: barkVolume }"
    ),
    "conflict between a field and a fragment": "{ dog { x: name ...B } } fragment B on Dog { x: nickname }",
    "deep conflict": "{ field: dog { x: name } field: dog { x: nickname } }",
    "deep conflict with several issues": (
        "{ field: dog { x: name y: barkVolume } field: dog { x: nickname y: name } }"
    ),
    "very deep conflict": "{ f: dog { d: friend { x: name } } f: dog { d: friend { x: nickname } } }",
    "deep conflict below a common field": (
        "{ dog { f: friend { x: name } f: friend { x: nickname } f: friend { y: name } } }"
    ),
    "conflict through nested fragments": (
        "{ field: dog { ...F } field: dog { ...I } }"
        " fragment F on Dog { x: name ...G } fragment G on Dog { y: nickname }"
        " fragment I on Dog { y: barkVolume ...J } fragment J on Dog { x: nickname }"
    ),
    "return types that may overlap": "{ someBox { ... on IntBox { scalar } ... on NonNullStringBox1 { scalar } } }",
    "different scalar types despite exclusive parents": (
        "{ someBox { ... on IntBox { scalar } ... on StringBox { scalar } } }"
    ),
    "different nullability despite exclusive parents": (
        "{ someBox { ... on NonNullStringBox1 { scalar } ... on StringBox { scalar } } }"
    ),
    "list against single value": (
        "{ someBox { ... on IntBox { box: listStringBox { scalar } } ... on StringBox { box: stringBox { scalar } } } }"
    ),
    "single value against list": (
        "{ someBox { ... on IntBox { box: stringBox { scalar } } ... on StringBox { box: listStringBox { scalar } } } }"
    ),
    "deep conflict inside a single branch": (
        "{ someBox { ... on IntBox { box: stringBox { val: scalar val: unrelatedField } }"
        " ... on StringBox { box: stringBox { val: scalar } } } }"
    ),
    "deep scalar type conflict under exclusive parents": (
        "{ someBox { ... on IntBox { box: stringBox { scalar } } ... on StringBox { box: intBox { scalar } } } }"
    ),
    "lists deep inside fragments": (
        "{ connection { ...edgeID edges { node { id: name } } } }"
        " fragment edgeID on Connection { edges { node { id } } }"
    ),
    "non-exclusive pair after an exclusive one (memoised comparisons)": (
        "{ someBox { ... on IntBox { deepBox { ...X } } } someBox { ... on StringBox { deepBox { ...Y } } }"
        " memoed: someBox { ... on IntBox { deepBox { ...X } } }"
        " memoed: someBox { ... on StringBox { deepBox { ...Y } } }"
        " other: someBox { ...X } other: someBox { ...Y } }"
        " fragment X on SomeBox { f: unrelatedField } fragment Y on SomeBox { f: otherField }"
    ),
    "typename aliasing a field": "{ dog { name: __typename name } }",
    "conflict in a recursive fragment": "fragment F on Dog { ...F fido: name fido: nickname } { dog { ...F } }",
    "conflict in an unused fragment": "fragment F on Dog { fido: name fido: nickname } { dog { name } }",
    "abstract parent against a concrete one": "{ pet { ... on Dog { x: nickname } ... on Pet { x: name } } }",
    "conflict below a union in the same branch": "{ catOrDog { ... on Dog { n: name } ... on Dog { n: nickname } } }",
}


def refused_by_both(query: str) -> bool:
    document = parse(query)
    mine, theirs = bool(ours(document)), bool(graphql_core(document))
    assert mine == theirs, f"ours refuses: {mine}, graphql-core refuses: {theirs}"
    assert bool(validate(SCHEMA, document)) == bool(graphql_validate(SCHEMA, document))
    return mine


@pytest.mark.parametrize("query", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_accepted(query: str) -> None:
    assert not refused_by_both(query)


@pytest.mark.parametrize("query", REFUSED.values(), ids=REFUSED.keys())
def test_refused(query: str) -> None:
    assert refused_by_both(query)


def test_messages_keep_graphql_cores_wording() -> None:
    document = parse("{ dog { fido: name fido: nickname } }")
    assert (
        [e.message for e in ours(document)]
        == [e.message for e in graphql_core(document)]
        == [
            "Fields 'fido' conflict because 'name' and 'nickname' are different fields."
            " Use different aliases on the fields to fetch both if this was intentional."
        ]
    )
    document = parse("{ f: dog { d: friend { x: name } } f: dog { d: friend { x: nickname } } }")
    assert [e.message for e in ours(document)] == [
        "Fields 'f' conflict because subfields 'd' conflict because subfields 'x' conflict because"
        " 'name' and 'nickname' are different fields."
        " Use different aliases on the fields to fetch both if this was intentional."
    ]
    document = parse("{ someBox { ... on IntBox { scalar } ... on StringBox { scalar } } }")
    assert [e.message for e in ours(document)] == [e.message for e in graphql_core(document)]
    document = parse("{ dog { isAtLocation(x: 0) isAtLocation(y: 0) } }")
    assert [e.message for e in ours(document)] == [e.message for e in graphql_core(document)]


def test_errors_point_at_both_fields() -> None:
    [error] = ours(parse("{ dog { fido: name fido: nickname } }"))
    assert [(loc.line, loc.column) for loc in error.locations or ()] == [(1, 9), (1, 20)]


def test_router_validation_codes_the_refusal_as_graphql_core_did() -> None:
    """The engine answers a conflict with GRAPHQL_VALIDATION_FAILED, from our rule now."""
    from router.engine import _graphql_error

    [error] = validate(SCHEMA, parse("{ dog { fido: name fido: nickname } }"))
    assert _graphql_error(error, "GRAPHQL_VALIDATION_FAILED")["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "conflict because" in error.message
