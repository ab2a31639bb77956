"""Loading declarations: the shipped ones load; each kind of bad declaration stops the start with a
message that names the file and the operation."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema

from router.rest import Declaration, DeclarationError, load_declarations

pytestmark = pytest.mark.router

FRAGMENT = "fragment P on Product { id name }\n"


def load(tmp_path: Path, schema: GraphQLSchema, text: str, name: str = "routes.graphql") -> list[Declaration]:
    (tmp_path / name).write_text(text)
    return load_declarations(tmp_path, schema)


def refused(tmp_path: Path, schema: GraphQLSchema, text: str) -> str:
    with pytest.raises(DeclarationError) as caught:
        load(tmp_path, schema, text)
    return str(caught.value)


def test_the_shipped_declarations_cover_the_rest_table(declarations: dict[str, Declaration]) -> None:
    routes = sorted((d.spec.method, d.spec.path) for d in declarations.values())
    assert routes == sorted(
        [
            ("POST", "/users"),
            ("GET", "/users/{id}"),
            ("PUT", "/users/{id}"),
            ("PATCH", "/users/{id}"),
            ("DELETE", "/users/{id}"),
            ("POST", "/users/{id}/auth"),
            ("POST", "/users/{id}/auth-valid"),
            ("POST", "/products"),
            ("GET", "/products"),
            ("GET", "/products/{id}"),
            ("PUT", "/products/{id}"),
            ("PATCH", "/products/{id}"),
            ("DELETE", "/products/{id}"),
            ("POST", "/orders"),
            ("GET", "/orders/{id}"),
            ("PUT", "/orders/{id}"),
            ("PATCH", "/orders/{id}"),
            ("DELETE", "/orders/{id}"),
            ("GET", "/orders/{id}/events"),
        ]
    )


def test_variables_get_their_sources(declarations: dict[str, Declaration]) -> None:
    create_order = declarations["CreateOrder"]
    assert create_order.variables["input"].sources == ("body",)
    assert create_order.variables["idempotencyKey"].sources == ("header",)
    assert create_order.variables["idempotencyKey"].header == "Idempotency-Key"
    assert declarations["ListProducts"].variables["limit"].sources == ("query",)
    assert declarations["ListProducts"].variables["limit"].default == 20
    assert declarations["ReplaceUser"].variables["email"].sources == ("field",)
    assert declarations["ReplaceUser"].variables["email"].required
    validate = declarations["ValidateCredentials"].variables["token"]
    assert (validate.sources, validate.scheme) == (("header", "field"), "Bearer")
    assert declarations["GetProduct"].variables["id"].sources == ("path",)


def test_the_text_sent_to_the_engine_has_no_rest_directive(declarations: dict[str, Declaration]) -> None:
    text = declarations["GetOrder"].query
    assert "@rest" not in text
    assert text.startswith("query GetOrder($id: ID!) {")
    assert "fragment OrderFields on Order" in text
    assert "fragment MoneyFields on Money" in text
    assert "fragment UserFields" not in text


def test_pagination_is_recognised_from_limit_offset_and_total_count(declarations: dict[str, Declaration]) -> None:
    pagination = declarations["ListProducts"].pagination
    assert pagination is not None
    assert (pagination.limit_key, pagination.offset_key, pagination.total_key) == ("limit", "offset", "totalCount")
    assert declarations["GetProduct"].pagination is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'query GetP($id: ID!) @rest(method: GET, path: "/p/{id}") { product(id: $id) { nme } }',
            "Cannot query field 'nme'",
        ),
        ("query GetP($id: ID!) { product(id: $id) { id } }", "exactly one @rest"),
        ('query GetP($id: ID!) @rest(method: GIT, path: "/p/{id}") { product(id: $id) { id } }', "GIT"),
        ('query GetP($id: ID!) @rest(method: GET, path: "/p/{pid}") { product(id: $id) { id } }', "$pid"),
        ('query GetP($id: ID!) @rest(method: GET, path: "p/{id}") { product(id: $id) { id } }', "must start with /"),
        ('query GetP($id: ID!) @rest(method: GET, path: "/p/x{id}") { product(id: $id) { id } }', "segment 'x{id}'"),
        (
            'query GetP($id: ID!) @rest(method: GET, path: "/p/{id}") { product(id: $id) { id } me { id } }',
            "exactly one root field",
        ),
        ('mutation D($id: ID!) @rest(method: GET, path: "/p/{id}") { deleteProduct(id: $id) }', "must be queries"),
        ('query GetP($id: ID!) @rest(method: GET, path: "/p/{id}", status: 201) { product(id: $id) { id } }', "200"),
        ('mutation D($id: ID!) @rest(method: DELETE, path: "/p/{id}", status: 299) { deleteProduct(id: $id) }', "299"),
        (
            'mutation C($input: CreateProductInput!) @rest(method: POST, path: "/p", status: 201) '
            "{ createProduct(input: $input) { id } }",
            "needs location",
        ),
        (
            'mutation C($input: CreateProductInput!) @rest(method: POST, path: "/p", body: "input", status: 201, '
            'location: "/p/{name}") { createProduct(input: $input) { id } }',
            "needs name selected",
        ),
        (
            'mutation C($input: CreateProductInput!) @rest(method: POST, path: "/p", body: "nope") '
            "{ createProduct(input: $input) { id } }",
            "$nope",
        ),
        (
            'mutation U($id: ID!, $input: UpdateProductInput!) @rest(method: DELETE, path: "/p/{id}", body: "input") '
            "{ updateProduct(id: $id, input: $input) { id } }",
            "have no body",
        ),
        (
            'query L($filter: ProductFilter) @rest(method: GET, path: "/p") '
            "{ products(filter: $filter) { totalCount } }",
            "$filter is a query parameter",
        ),
        (
            'mutation C($input: CreateOrderInput!, $key: String) @rest(method: POST, path: "/o", body: "input", '
            'headers: [{name: "Idem Key", variable: "key"}]) '
            "{ createOrder(input: $input, idempotencyKey: $key) { id } }",
            "not a valid header name",
        ),
        ('query @rest(method: GET, path: "/me") { me { id } }', "needs a name"),
        ('query GetP($id: ID!) @rest(method: GET, path: "/p/{id}") { product(id: $id) { ...Missing } }', "Missing"),
    ],
)
def test_bad_declarations_stop_the_start_naming_file_and_operation(
    tmp_path: Path, api_schema: GraphQLSchema, text: str, expected: str
) -> None:
    message = refused(tmp_path, api_schema, text)
    assert str(tmp_path / "routes.graphql") in message
    assert expected in message


def test_syntax_errors_name_the_file_and_line(tmp_path: Path, api_schema: GraphQLSchema) -> None:
    message = refused(tmp_path, api_schema, 'query X @rest(method: GET, path: "/x") {\n  me { id }\n')
    assert "routes.graphql" in message
    assert "line 3" in message


def test_routes_and_names_must_be_unique(tmp_path: Path, api_schema: GraphQLSchema) -> None:
    one = 'query A($id: ID!) @rest(method: GET, path: "/p/{id}") { product(id: $id) { id } }\n'
    same_route = 'query B($pid: ID!) @rest(method: GET, path: "/p/{pid}") { product(id: $pid) { id } }\n'
    assert "already served by A" in refused(tmp_path, api_schema, one + same_route)
    (tmp_path / "other.graphql").write_text(one)
    with pytest.raises(DeclarationError, match="also declared in"):
        load(tmp_path, api_schema, 'query A @rest(method: GET, path: "/me") { me { id } }\n')


def test_fragments_are_shared_between_files(tmp_path: Path, api_schema: GraphQLSchema) -> None:
    (tmp_path / "fragments.graphql").write_text(FRAGMENT)
    found = load(
        tmp_path, api_schema, 'query G($id: ID!) @rest(method: GET, path: "/p/{id}") { product(id: $id) { ...P } }'
    )
    assert "fragment P on Product" in found[0].query


def test_an_empty_folder_is_refused(tmp_path: Path, api_schema: GraphQLSchema) -> None:
    with pytest.raises(DeclarationError, match=r"no \.graphql declarations"):
        load_declarations(tmp_path, api_schema)


def test_a_schema_that_already_has_rest_names_is_refused(tmp_path: Path) -> None:
    schema = build_schema("type Query { a: Int } enum RestMethod { X }")
    with pytest.raises(DeclarationError, match="RestMethod"):
        load(tmp_path, schema, 'query A @rest(method: GET, path: "/a") { a }')
