"""Apollo Gateway answers the same queries as our router on OUR composed supergraph.

For several subgraph sets (those of the federation differential tests in ``tests/federation``), the
subgraphs are served on real HTTP, composed by ``router/compose``, and the one supergraph file is
loaded by Apollo Gateway (``tests/apollo/gateway.mjs``) and by our router (``router serve``'s app).
Each query goes to both over HTTP and the responses must match: ``data`` exactly, errors by message
and path (by path only where the two phrase a validation error differently).

A composition that drops or misdescribes anything (a key, a ``@requires``, an interface object, an
inaccessible element, a Federation 1 subgraph's upgrade) shows up as Apollo failing to load the file
or answering differently from the same subgraphs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from router.compose import SubgraphInput, compose_or_raise
from tests.federation import test_abstract_types, test_directives, test_entities, test_operations, test_requires
from tests.federation.support.harness import ApolloGatewayProcess, ErrorMode, _errors
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router
from tests.support.servers import serve_app

pytestmark = pytest.mark.router


@dataclass(frozen=True)
class Case:
    query: str
    variables: dict[str, Any] | None = None
    errors: ErrorMode = "messages"


@dataclass(frozen=True)
class SubgraphSet:
    subgraphs: Callable[[], Sequence[FakeSubgraph]]
    cases: Sequence[Case]


SETS: dict[str, SubgraphSet] = {
    "entities": SubgraphSet(
        lambda: [
            test_entities.accounts(),
            test_entities.products(),
            test_entities.reviews(),
            test_entities.inventory(),
        ],
        [
            Case("{ topProducts(first: 2) { upc name } }"),
            Case("{ topProducts { name inStock } }"),
            Case("{ topProducts { name shippingEstimate } }"),
            Case(
                "{ topProducts(first: 2) { name inStock"
                " reviews { body author { name reviews { product { name shippingEstimate } } } } } }"
            ),
            Case("{ topProducts { seller { id name email reviews { body } } } }"),
            Case("{ topProducts { upc shipment { trackingId carrier } } }"),
            Case("{ topProducts { name reviews { body } } }"),  # an entity error, re-pathed
            Case("query P($upc: String!) { product(upc: $upc) { name inStock seller { name } } }", {"upc": "2"}),
            Case("query P($upc: String!) { product(upc: $upc) { name inStock seller { name } } }", {"upc": "404"}),
        ],
    ),
    "abstract types": SubgraphSet(
        lambda: [test_abstract_types.media(), test_abstract_types.reviews()],
        [
            Case("{ media { __typename id title ... on Book { author } ... on Movie { director } rating } }"),
            Case('{ search(text: "e") { __typename ... on Book { title rating } ... on Movie { director } } }'),
            Case("{ topRated { id rating title __typename ... on Book { author } } }"),
            Case("{ media { id stars } topRated(min: 5) { stars } }"),
            Case('{ node(id: "m2") { id ... on Movie { title rating } ... on Book { author } } }'),
        ],
    ),
    "requires": SubgraphSet(
        lambda: [test_requires.shop(), test_requires.shipping(), test_requires.tax()],
        [
            Case("{ items { id shippingEur } }"),
            Case("{ items { tax } }"),
            Case("query Q($ins: Boolean = true) { items { id insured @include(if: $ins) } }", {}),
            Case("query Q($ins: Boolean = true) { items { id insured @include(if: $ins) } }", {"ins": False}),
        ],
    ),
    "directives and federation 1": SubgraphSet(
        lambda: [
            test_directives.products(),
            test_directives.pricing(),
            test_directives.categories_fed1(),
            test_directives.tags_fed1(),
        ],
        [
            Case("{ products { id name price discounted } }"),
            Case("{ deals { title product { name } } }"),
            Case("{ deals { product { name status inCategory category { title } } } }"),
            Case("{ products { id status } }"),
            Case("{ products { code } }", errors="paths"),  # @inaccessible field
            Case('{ __type(name: "Secret") { name } s: __type(name: "Status") { enumValues { name } } }'),
            Case("{ categories { id title } products { inCategory category { id title } } }"),
            Case("{ products { id tags inCategory } deals { product { tags } } }"),
        ],
    ),
    "operations": SubgraphSet(
        lambda: [test_operations.catalog(), test_operations.ratings()],
        [
            Case("{ a: books(limit: 1) { t: title __typename tn: __typename s: score(scale: 10) s5: score } }"),
            Case("query Q { books { ...B ... on Book { year votes } } } fragment B on Book { id title ... { score } }"),
            Case(
                "query Q($limit: Int = 2, $withScore: Boolean = true) "
                "{ books(limit: $limit) { id title score @include(if: $withScore) year @skip(if: true) } }",
                {"withScore": True, "limit": 1},
            ),
            Case('{ book(id: "b1") { genre } missing: book(id: "nope") { title } }'),
            Case(
                '{ __type(name: "Book") { name fields { name type { name kind } } } __schema { queryType { name } } }'
            ),
            Case('{ books(limit: 1) { title } __type(name: "Genre") { enumValues { name } } }'),
        ],
    ),
}


@dataclass(frozen=True)
class Routers:
    ours: str
    apollo: str


@pytest.fixture(scope="module", params=list(SETS), ids=list(SETS))
def routers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Routers]]:
    name: str = request.param
    with ExitStack() as stack:
        graphs = list(SETS[name].subgraphs())
        for graph in graphs:
            graph.url = stack.enter_context(serve_app(graph.asgi_app()))
        supergraph_sdl = compose_or_raise([SubgraphInput(name=g.name, url=g.url, sdl=g.sdl) for g in graphs])
        path = tmp_path_factory.mktemp("compose-differential") / "supergraph.graphql"
        path.write_text(supergraph_sdl)
        gateway = ApolloGatewayProcess(supergraph_sdl)
        stack.callback(gateway.close)
        ours = stack.enter_context(running_router(path))
        yield name, Routers(ours=f"{ours}/graphql", apollo=gateway.url)


def ask(url: str, case: Case) -> dict[str, Any]:
    body: dict[str, Any] = {"query": case.query}
    if case.variables is not None:
        body["variables"] = case.variables
    response = httpx.post(url, json=body, headers={"apollo-require-preflight": "true"}, timeout=30)
    result: dict[str, Any] = response.json()
    return result


def test_apollo_gateway_and_our_router_agree_on_our_supergraph(routers: tuple[str, Routers]) -> None:
    name, urls = routers
    differences = []
    for case in SETS[name].cases:
        ours, theirs = ask(urls.ours, case), ask(urls.apollo, case)
        assert "data" in theirs or case.errors != "messages", f"Apollo refused {case.query}: {theirs}"
        if ours.get("data") != theirs.get("data") or _errors(ours, case.errors) != _errors(theirs, case.errors):
            differences.append(f"{case.query}\n  ours:   {ours}\n  apollo: {theirs}")
    assert not differences, "\n".join(differences)
