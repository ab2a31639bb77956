"""Federation metadata read from the join directives."""

from __future__ import annotations

import pytest

from router.supergraph import FieldInGraph, SubgraphInfo, TypeInGraph
from tests.unit.router.planner.support import compose, supergraph_of

pytestmark = pytest.mark.router

SUBGRAPHS = {
    "a": """
        type Query { things: [Thing] media: Media }
        interface Media @key(fields: "id") { id: ID! }
        type Book implements Media @key(fields: "id") { id: ID! title: String weight: Int @shareable }
        union Thing = Book
        enum Color { RED GREEN }
        type Item @key(fields: "sku", resolvable: false) { sku: ID! }
    """,
    "b": """
        type Book @key(fields: "id") {
            id: ID! title: String @override(from: "a") weight: Int @external ship: Int @requires(fields: "weight")
            related: Book @provides(fields: "weight")
        }
        type Pen @key(fields: "id") { id: ID! }
        union Thing = Book | Pen
        enum Color { RED BLUE }
        type Query { color: Color }
    """,
    "c": """
        type Media @key(fields: "id") @interfaceObject { id: ID! score: Int }
    """,
}

SUPERGRAPH = compose(SUBGRAPHS)


def test_subgraphs_and_urls() -> None:
    assert supergraph_of(SUPERGRAPH).subgraphs == {
        "a": SubgraphInfo("a", "http://a.test/graphql", "A"),
        "b": SubgraphInfo("b", "http://b.test/graphql", "B"),
        "c": SubgraphInfo("c", "http://c.test/graphql", "C"),
    }


def test_types_keys_resolvable_and_interface_objects() -> None:
    supergraph = supergraph_of(SUPERGRAPH)
    item = supergraph.types["Item"].graphs["a"]
    assert [(t.key.text if t.key else None, t.resolvable) for t in item] == [("sku", False)]
    assert supergraph.keys("Item", "a") == []
    assert [k.text for k in supergraph.keys("Item", "a", resolvable_only=False)] == ["sku"]
    media = supergraph.types["Media"]
    assert media.is_interface_object_in("c")
    assert not media.is_interface_object_in("a")
    assert media.graphs["c"] == [TypeInGraph("c", media.graphs["c"][0].key, is_interface_object=True)]


def test_fields_override_requires_provides_external() -> None:
    supergraph = supergraph_of(SUPERGRAPH)
    title = supergraph.field_meta("Book", "title")
    assert title is not None
    assert title.resolving_graphs() == ["b"]
    assert title.graphs["b"].override == "a"
    ship = supergraph.field_in_graph("Book", "ship", "b")
    assert ship is not None
    assert ship.requires is not None
    assert ship.requires.text == "weight"
    weight_in_b = supergraph.field_in_graph("Book", "weight", "b")
    assert weight_in_b == FieldInGraph("b", external=True)
    related = supergraph.field_in_graph("Book", "related", "b")
    assert related is not None
    assert related.provides is not None
    assert related.provides.text == "weight"


def test_implementations_members_and_enum_values_per_subgraph() -> None:
    supergraph = supergraph_of(SUPERGRAPH)
    assert supergraph.possible_types("Thing") == ("Book", "Pen")
    assert supergraph.possible_types("Thing", "a") == ("Book",)
    assert supergraph.possible_types("Thing", "b") == ("Book", "Pen")
    assert supergraph.possible_types("Media", "a") == ("Book",)
    assert supergraph.possible_types("Media", "c") == ()  # c sees Media as an object
    assert supergraph.types["Color"].enum_values == {"RED": ["a", "b"], "GREEN": ["a"], "BLUE": ["b"]}
