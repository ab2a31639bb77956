"""Response shaping: the client's selections only, in order, with null propagation."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse

from router.execution import shaping, shaping_codegen
from router.execution.shaping import OperationShape

pytestmark = pytest.mark.router


@pytest.fixture(autouse=True, params=["rows read", "function written"])
def tier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test twice: selections shaped by reading their rows, and by the function written from them."""
    if request.param == "function written":
        monkeypatch.setattr(shaping, "COMPILE_AFTER", 0)


SCHEMA = build_schema(
    """
    type Query { product(id: ID!): Product products: [Product!] node: Node search: [Result] }
    interface Node { id: ID! }
    type Product implements Node { id: ID! name: String! price: Int status: Status tags: [String!] }
    type User implements Node { id: ID! username: String }
    union Result = Product | User
    enum Status { ACTIVE RETIRED }
    """
)


def shape(query: str, data: dict[str, Any], variables: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    errors: list[Any] = []
    result = OperationShape(SCHEMA, operation, fragments).shape(data, variables or {}, errors)
    return result, errors


def test_only_requested_fields_in_document_order_with_aliases() -> None:
    data = {"product": {"__typename": "Product", "id": "1", "price": 5, "n": "Table", "extra": 1}}

    result, errors = shape("{ product(id: 1) { n: name id __typename t: __typename } }", data)

    assert errors == []
    assert list(result["product"].items()) == [("n", "Table"), ("id", "1"), ("__typename", "Product"), ("t", "Product")]


def test_fields_come_from_the_response_key() -> None:
    data = {"product": {"__typename": "Product", "n": "Table"}}

    result, _ = shape("{ product(id: 1) { n: name } }", data)

    assert result == {"product": {"n": "Table"}}


def test_null_in_non_null_field_bubbles_to_nullable_parent() -> None:
    data = {"product": {"__typename": "Product", "id": "1", "name": None}}

    result, errors = shape("{ product(id: 1) { id name } }", data)

    assert result == {"product": None}
    assert errors == [
        {
            "message": "Cannot return null for non-nullable field Product.name.",
            "path": ["product", "name"],
            "extensions": {"code": "INVALID_GRAPHQL"},
        }
    ]


def test_null_list_element_nulls_the_list() -> None:
    data = {"products": [{"__typename": "Product", "id": "1"}, None]}

    result, errors = shape("{ products { id } }", data)

    assert result == {"products": None}
    assert errors[0]["path"] == ["products", 1]


def test_nested_bubble_reports_the_deepest_path_once() -> None:
    data = {"products": [{"__typename": "Product", "id": "1", "name": "A"}, {"__typename": "Product", "id": "2"}]}

    result, errors = shape("{ products { id name } }", data)

    assert result == {"products": None}
    assert [e["path"] for e in errors] == [["products", 1, "name"]]


def test_fragments_resolve_abstract_types_by_typename() -> None:
    data = {
        "search": [
            {"__typename": "Product", "id": "1", "name": "Table"},
            {"__typename": "User", "id": "u", "username": "ada"},
        ]
    }
    query = """
    { search { __typename ... on Node { id } ...U ... on Product { name } } }
    fragment U on User { username }
    """

    result, errors = shape(query, data)

    assert errors == []
    assert result == {
        "search": [
            {"__typename": "Product", "id": "1", "name": "Table"},
            {"__typename": "User", "id": "u", "username": "ada"},
        ]
    }


@pytest.mark.parametrize(("flag", "expected"), [(True, {"id": "1"}), (False, {"id": "1", "name": "T"})])
def test_skip_and_include_follow_variables(flag: bool, expected: dict[str, Any]) -> None:
    data = {"product": {"__typename": "Product", "id": "1", "name": "T"}}
    query = "query($f: Boolean!) { product(id: 1) { id name @skip(if: $f) price @include(if: false) } }"

    result, _ = shape(query, data, {"f": flag})

    assert result == {"product": expected}


def test_invalid_enum_value_is_nulled_with_an_error() -> None:
    data = {"product": {"__typename": "Product", "status": "HIDDEN", "tags": ["a"]}}

    result, errors = shape("{ product(id: 1) { status tags } }", data)

    assert result == {"product": {"status": None, "tags": ["a"]}}
    assert errors[0]["message"] == "Invalid value found for field Product.status."


def test_unknown_typename_nulls_the_object() -> None:
    data = {"node": {"__typename": "Nope", "id": "1"}}

    result, errors = shape("{ node { id } }", data)

    assert result == {"node": None}
    assert errors[0]["path"] == ["node"]


def test_root_typename() -> None:
    result, _ = shape("{ __typename a: __typename }", {})

    assert result == {"__typename": "Query", "a": "Query"}


LEAVES = build_schema(
    """
    scalar JSON
    type Query { i: Int f: Float s: String b: Boolean id: ID j: JSON ids: [ID!] }
    """
)


@pytest.mark.parametrize(
    ("field", "valid", "invalid"),
    [
        ("i", [0, -3, 2**40, 2.0], [True, False, 1.5, "1"]),
        ("f", [1, 1.5, 0, -0.0], [True, "1.5"]),
        ("s", ["", "x"], [1, True, 1.0]),
        ("b", [True, False], [0, 1, "true"]),
        ("id", ["x", 7, 3.0], [True, 3.5]),
        ("j", [1, "x", True, {"a": [1]}, [1, None]], []),
    ],
)
def test_leaf_values_are_checked_against_their_type(field: str, valid: list[Any], invalid: list[Any]) -> None:
    operation = next(d for d in parse(f"{{ {field} }}").definitions if isinstance(d, OperationDefinitionNode))
    shape_ = OperationShape(LEAVES, operation, {})
    for value in valid:
        errors: list[Any] = []
        assert shape_.shape({field: value}, {}, errors) == {field: value}
        assert errors == []
    for value in invalid:
        errors = []
        assert shape_.shape({field: value}, {}, errors) == {field: None}, value
        assert [e["message"] for e in errors] == [f"Invalid value found for field Query.{field}."]
        assert errors[0]["path"] == [field]


def test_list_element_checks_and_their_paths() -> None:
    operation = next(d for d in parse("{ ids }").definitions if isinstance(d, OperationDefinitionNode))
    errors: list[Any] = []

    result = OperationShape(LEAVES, operation, {}).shape({"ids": ["a", 2, False]}, {}, errors)

    assert result == {"ids": None}
    assert [(e["message"], e["path"]) for e in errors] == [("Invalid value found for field Query.ids.", ["ids", 2])]


def test_error_paths_through_objects_and_lists() -> None:
    data = {
        "search": [
            {"__typename": "User", "id": "u", "username": "ada"},
            {"__typename": "Product", "id": "1", "name": "T", "tags": ["a", None]},
        ],
        "product": {"__typename": "Product", "id": "2", "name": "T", "price": "ten"},
    }
    query = "{ product(id: 2) { price } search { ... on Product { tags } ... on User { username } } }"

    result, errors = shape(query, data)

    assert result == {"product": {"price": None}, "search": [{"username": "ada"}, {"tags": None}]}
    assert [e["path"] for e in errors] == [["product", "price"], ["search", 1, "tags", 1]]


def test_an_object_field_with_a_non_object_value_is_invalid() -> None:
    result, errors = shape("{ product(id: 1) { id } node { id } }", {"product": "p1", "node": [1]})

    assert result == {"product": None, "node": None}
    assert [(e["message"], e["path"]) for e in errors] == [
        ("Invalid value found for field Query.product.", ["product"]),
        ("Invalid value found for field Query.node.", ["node"]),
    ]


def test_a_selection_is_written_as_a_function_once_it_is_hot(monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[str] = []
    write = shaping_codegen.compile_object_shaper

    def counted(rows: Any, **names: Any) -> Any:
        written.append(names["parent_name"])
        return write(rows, **names)

    monkeypatch.setattr(shaping, "compile_object_shaper", counted)
    operation = next(d for d in parse("{ products { id name } }").definitions if isinstance(d, OperationDefinitionNode))
    shape_ = OperationShape(SCHEMA, operation, {}, compile_after=3)
    data = {"products": [{"__typename": "Product", "id": str(i), "name": f"p{i}"} for i in range(2)]}
    expected = {"products": [{"id": "0", "name": "p0"}, {"id": "1", "name": "p1"}]}

    assert shape_.shape(data, {}, []) == expected
    assert written == []  # an operation run once (two objects here) is not worth the writing
    assert shape_.shape(data, {}, []) == expected
    assert written == ["Product"]  # the fourth object wrote it, and it shaped that object
    assert shape_.shape(data, {}, []) == expected
    assert written == ["Product"]
