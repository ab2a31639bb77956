"""Differential test: on generated documents our overlapping-fields rule refuses exactly the
documents graphql-core's ``OverlappingFieldsCanBeMergedRule`` refuses.

The documents mix aliases shared by different fields, arguments that differ (enums, ints, input
objects in any field order), nested selections, inline fragments on interface, union and object
types (with or without a type condition), named fragments spreading one another, and fields whose
types differ in list, non-null or scalar type between exclusive parents."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLCompositeType,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
    parse,
)
from graphql import validate as graphql_validate
from graphql.utilities import do_types_overlap
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from router.validation import validate
from tests.unit.router.validation.support import SCHEMA, graphql_core, ours

pytestmark = pytest.mark.router

COMPOSITE: list[GraphQLCompositeType] = [
    t
    for name, t in sorted(SCHEMA.type_map.items())
    if isinstance(t, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType) and not name.startswith("__")
]
MAX_DEPTH = 4


@dataclass
class Writer:
    """Draws one document. ``aliases`` is the pool response names are drawn from (``None``: the
    field's name); ``objects_only`` writes inline fragments on object types only, so that fields
    meet under mutually exclusive parents (where only their response shapes must agree)."""

    data: st.DataObject
    aliases: tuple[str | None, ...]
    objects_only: bool
    fragments: dict[str, GraphQLCompositeType] = field(default_factory=dict)

    def document(self) -> str:
        definitions = []
        for index in range(self.data.draw(st.integers(0, 3))):
            on = self.data.draw(st.sampled_from(COMPOSITE))
            body = self.selection_set(on, 1)  # spreads only the fragments above: no cycles
            definitions.append(f"fragment F{index} on {on.name} {body}")
            self.fragments[f"F{index}"] = on
        query = SCHEMA.query_type
        assert query is not None
        return "\n".join([self.selection_set(query, 0), *definitions])

    def selection_set(self, parent: GraphQLCompositeType, depth: int) -> str:
        if depth >= MAX_DEPTH:
            return "{ __typename }"
        overlapping = [
            t
            for t in COMPOSITE
            if do_types_overlap(SCHEMA, parent, t) and (isinstance(t, GraphQLObjectType) or not self.objects_only)
        ]
        spreadable = [name for name, on in self.fragments.items() if do_types_overlap(SCHEMA, parent, on)]
        selections = []
        for _ in range(self.data.draw(st.integers(1, 3))):
            kind = self.data.draw(st.sampled_from(["field", "field", "inline", "inline", "spread"]))
            if kind == "inline" and overlapping:
                condition = self.data.draw(st.sampled_from([None, *overlapping]))
                inner = parent if condition is None else condition
                prefix = "..." if condition is None else f"... on {condition.name}"
                selections.append(f"{prefix} {self.selection_set(inner, depth + 1)}")
            elif kind == "spread" and spreadable:
                selections.append("..." + self.data.draw(st.sampled_from(spreadable)))
            else:
                selections.append(self.field(parent, depth))
        return "{ " + " ".join(selections) + " }"

    def field(self, parent: GraphQLCompositeType, depth: int) -> str:
        names = ["__typename"]
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            names += sorted(parent.fields)
        name = self.data.draw(st.sampled_from(names))
        alias = self.data.draw(st.sampled_from(self.aliases))
        text = f"{alias}: {name}" if alias and alias != name else name
        if name == "__typename":
            return text
        assert isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
        definition = parent.fields[name]
        arguments = [
            f"{arg_name}: {self.argument_value(arg)}"
            for arg_name, arg in sorted(definition.args.items())
            if self.data.draw(st.booleans())
        ]
        if arguments:
            text += "(" + ", ".join(arguments) + ")"
        named = get_named_type(definition.type)
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            text += " " + self.selection_set(named, depth + 1)
        return text

    def argument_value(self, argument: GraphQLArgument) -> str:
        kind = get_named_type(argument.type)
        if isinstance(kind, GraphQLEnumType):
            return self.data.draw(st.sampled_from(sorted(kind.values)[:2]))
        if isinstance(kind, GraphQLInputObjectType):
            pairs = st.lists(st.sampled_from(['name: "a"', 'name: "b"', 'owner: "a"']), max_size=2, unique=True)
            return "{" + ", ".join(self.data.draw(pairs)) + "}"
        return self.data.draw(st.sampled_from(["0", "1"]))


def exclusive_branches(data: st.DataObject, parent: GraphQLCompositeType, depth: int) -> str:
    """One field per branch, each branch on another object type, all named ``x``: only the
    response shapes decide (list, non-null, scalar type), level after level."""
    if depth >= MAX_DEPTH:
        return "{ __typename }"
    possible = (
        sorted(SCHEMA.get_possible_types(parent), key=lambda t: t.name)
        if not isinstance(parent, GraphQLObjectType)
        else [parent]
    )
    chosen = data.draw(st.lists(st.sampled_from(possible), min_size=1, max_size=3, unique=True))
    branches = []
    for object_type in chosen:
        name = data.draw(st.sampled_from(sorted(object_type.fields)))
        named = get_named_type(object_type.fields[name].type)
        sub = ""
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType):
            sub = " " + exclusive_branches(data, named, depth + 1)
        branches.append(f"... on {object_type.name} {{ x: {name}{sub} }}")
    return "{ " + " ".join(branches) + " }"


def same_verdicts(text: str) -> None:
    parsed = parse(text)
    theirs = graphql_core(parsed)
    mine = ours(parsed)
    event("refused" if theirs else "accepted")
    assert bool(mine) == bool(theirs), (text, [e.message for e in theirs], [e.message for e in mine])
    assert bool(validate(SCHEMA, parsed)) == bool(graphql_validate(SCHEMA, parsed))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_refuses_what_graphql_core_refuses(data: st.DataObject) -> None:
    same_verdicts(Writer(data, (None, None, "x", "x", "y"), objects_only=False).document())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_refuses_what_graphql_core_refuses_under_exclusive_parents(data: st.DataObject) -> None:
    """Most fields share one response name and meet under different object types."""
    same_verdicts(Writer(data, ("x", "x", "x", None), objects_only=True).document())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["someBox", "pet", "catOrDog"]))
def test_refuses_what_graphql_core_refuses_on_response_shapes(data: st.DataObject, root: str) -> None:
    """Every pair meets under two object types: names and arguments may differ, shapes may not."""
    query = SCHEMA.query_type
    assert query is not None
    parent = get_named_type(query.fields[root].type)
    assert isinstance(parent, GraphQLInterfaceType | GraphQLUnionType)
    same_verdicts(f"{{ {root} {exclusive_branches(data, parent, 1)} }}")
