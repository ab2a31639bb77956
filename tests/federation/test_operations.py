"""Operation features: aliases, `__typename`, named and inline fragments, variables with defaults,
`@skip`/`@include`, validation and variable errors, introspection, mutations across subgraphs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.federation.support.harness import Deployment, deploy
from tests.federation.support.subgraph import FakeSubgraph, keyed

pytestmark = pytest.mark.router

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@shareable", "@external", "@requires"])\n'
)

BOOKS: list[dict[str, Any]] = [
    {"id": "b1", "title": "Dune", "year": 1965, "genre": "SCIFI"},
    {"id": "b2", "title": "Emma", "year": 1815, "genre": "NOVEL"},
]


def catalog() -> FakeSubgraph:
    state: dict[str, Any] = {"next": 3}

    def add_book(_parent: Any, title: str, year: int = 2000) -> dict[str, Any]:
        book = {"id": f"b{state['next']}", "title": title, "year": year, "genre": "NOVEL"}
        state["next"] += 1
        BOOKS.append(book)
        return book

    return FakeSubgraph(
        "catalog",
        LINK
        + """
        type Query { books(limit: Int = 10): [Book!]! book(id: ID!): Book }
        type Mutation { addBook(title: String!, year: Int = 2000): Book! }
        enum Genre { SCIFI NOVEL }
        type Book @key(fields: "id") { id: ID! title: String! year: Int genre: Genre }
        """,
        resolvers={
            "Query.books": lambda _p, limit: BOOKS[:limit],
            "Query.book": lambda _p, id: next((b for b in BOOKS if b["id"] == id), None),
            "Mutation.addBook": add_book,
        },
        entities={"Book": keyed(BOOKS, "id")},
    )


def ratings() -> FakeSubgraph:
    scores: dict[str, list[int]] = {}

    def rate(_parent: Any, bookId: str, score: int) -> dict[str, Any]:
        scores.setdefault(bookId, []).append(score)
        return {"__typename": "Book", "id": bookId}

    return FakeSubgraph(
        "ratings",
        LINK
        + """
        type Mutation { rate(bookId: ID!, score: Int!): Book! }
        type Book @key(fields: "id") { id: ID! score(scale: Int = 5): Float votes: Int! }
        """,
        resolvers={
            "Mutation.rate": rate,
            "Book.score": lambda b, scale: (sum(scores.get(b["id"], [3])) / len(scores.get(b["id"], [3]))) * scale / 5,
            "Book.votes": lambda b: len(scores.get(b["id"], [])),
        },
        entities={"Book": lambda rep: dict(rep)},
    )


@pytest.fixture(scope="module")
async def deployment() -> AsyncIterator[Deployment]:
    async with deploy([catalog(), ratings()]) as deployed:
        yield deployed


async def test_aliases_and_typename(deployment: Deployment) -> None:
    result = await deployment.compare(
        "{ a: books(limit: 1) { t: title __typename tn: __typename s: score(scale: 10) s5: score } __typename }"
    )
    assert result["data"]["a"][0]["tn"] == "Book"


async def test_named_and_inline_fragments(deployment: Deployment) -> None:
    await deployment.compare(
        """
        query Q { books { ...B ... on Book { year votes } } }
        fragment B on Book { id title ... { score } }
        """,
        operation_name="Q",
    )


@pytest.mark.parametrize("variables", [{}, {"withScore": False}, {"withScore": True, "limit": 1}])
async def test_variables_defaults_skip_include(deployment: Deployment, variables: dict[str, Any]) -> None:
    await deployment.compare(
        """
        query Q($limit: Int = 2, $withScore: Boolean = true, $noTitle: Boolean = false) {
          books(limit: $limit) { id title @skip(if: $noTitle) score @include(if: $withScore) year @skip(if: true) }
        }
        """,
        variables,
    )


async def test_enum_and_null_results(deployment: Deployment) -> None:
    await deployment.compare('{ book(id: "b1") { genre } missing: book(id: "nope") { title } }')


@pytest.mark.parametrize(
    "query",
    [
        "{ books { nope } }",
        "{ books { title ",
        "query Q($x: Int!) { books(limit: $x) { id } }",
    ],
)
async def test_request_errors(deployment: Deployment, query: str) -> None:
    await deployment.compare(query)


async def test_variable_coercion_error(deployment: Deployment) -> None:
    result = await deployment.compare("query Q($x: Int!) { books(limit: $x) { id } }", {"x": "many"}, errors="presence")
    assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_introspection(deployment: Deployment) -> None:
    await deployment.compare(
        '{ __type(name: "Book") { name fields { name type { name kind } } } __schema { queryType { name } } }'
    )


async def test_mixed_introspection_and_data(deployment: Deployment) -> None:
    await deployment.compare('{ books(limit: 1) { title } __type(name: "Genre") { enumValues { name } } }')


async def test_mutations_run_in_order_across_subgraphs(deployment: Deployment) -> None:
    # Each router runs the same mutations, so compare the mutation results' shapes through both and
    # then the final state once.
    mutation = """
    mutation M($id: ID!) {
      first: rate(bookId: $id, score: 5) { id votes }
      added: addBook(title: "New") { id title year }
      second: rate(bookId: $id, score: 1) { id votes title }
    }
    """
    ours = await deployment.ours(mutation, {"id": "b2"}, "M")
    theirs = await deployment.apollo(mutation, {"id": "b2"}, "M")
    assert "errors" not in ours
    assert ours["data"]["second"]["votes"] == ours["data"]["first"]["votes"] + 1
    assert theirs["data"]["second"]["votes"] == theirs["data"]["first"]["votes"] + 1
    assert list(ours["data"]) == ["first", "added", "second"]
    await deployment.compare('{ book(id: "b2") { votes score } }')
