"""In production (introspection off) no error hints at the schema or shows internals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.server.app import RouterOptions
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router

pytestmark = pytest.mark.router

# A misspelt field, argument, type condition and variable type, a bad enum-like value, a wrong input.
PROBES: list[dict[str, object]] = [
    {"query": "{ products { nam } }"},
    {"query": "{ product(idd: 1) { id } }"},
    {"query": "{ products { ... on Produkt { id } } }"},
    {"query": "query Q($id: Id!) { product(id: $id) { id } }", "variables": {"id": "p1"}},
    {"query": "{ user(id: 1) { nme emial } }"},
]
LEAKS = ("Did you mean", "Traceback", 'File "', "router/", "127.0.0.1", "Exception", "Error(")


@pytest.fixture(scope="module")
def production_url(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[str]:
    path = tmp_path_factory.mktemp("production") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with running_router(path, options=RouterOptions(production=True)) as url:
        yield url


def test_development_suggests_names(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        answer = httpx.post(f"{url}/graphql", json=PROBES[0]).json()
    assert "Did you mean" in answer["errors"][0]["message"]  # the probe does trigger a suggestion


@pytest.mark.parametrize("probe", PROBES, ids=[str(p["query"])[:30] for p in PROBES])
def test_production_errors_suggest_nothing(production_url: str, probe: dict[str, object]) -> None:
    response = httpx.post(f"{production_url}/graphql", json=probe)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors
    for error in errors:
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        for leak in LEAKS:
            assert leak not in error["message"], error


def test_a_failing_subgraph_shows_no_internals_in_production(
    production_url: str, subgraphs: dict[str, FakeSubgraph]
) -> None:
    subgraphs["products"].fail_status = 500
    response = httpx.post(f"{production_url}/graphql", json={"query": "{ products { id } }"})
    text = json.dumps(response.json())
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"]
    for leak in (*LEAKS, subgraphs["products"].url, "products'"):
        assert leak not in text, text


def test_mutation_on_a_graph_without_one_has_a_code_in_production(production_url: str) -> None:
    response = httpx.post(f"{production_url}/graphql", json={"query": "subscription { __typename }"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/")
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
