"""GraphQL over HTTP at the router: POST, GET, batching, GraphiQL, health, readiness."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.integration.router.support import running_router

pytestmark = pytest.mark.router
JSON = {"content-type": "application/json"}


def test_post_runs_a_federated_query(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.post(f"{url}/graphql", json={"query": "{ products { id name seller { id name } } }"})
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "products": [
                {"id": "p1", "name": "Table", "seller": {"id": "u1", "name": "Ada"}},
                {"id": "p2", "name": "Couch", "seller": {"id": "u2", "name": "Bob"}},
            ]
        }
    }
    assert response.headers["x-request-id"]


def test_get_runs_queries_with_variables(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.get(
            f"{url}/graphql",
            params={"query": "query P($id: ID!) { product(id: $id) { name } }", "variables": '{"id": "p2"}'},
            headers={"apollo-require-preflight": "true"},
        )
    assert response.status_code == 200
    assert response.json() == {"data": {"product": {"name": "Couch"}}}


def test_a_mutation_over_get_is_refused_with_405(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.get(
            f"{url}/graphql",
            params={"query": 'mutation { addProduct(name: "x") { id } }'},
            headers={"apollo-require-preflight": "true"},
        )
        posted = httpx.post(f"{url}/graphql", json={"query": 'mutation { addProduct(name: "x") { id } }'})
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert posted.json() == {"data": {"addProduct": {"id": "p9"}}}


def test_invalid_operations_get_400_with_the_engine_errors(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        unknown = httpx.post(f"{url}/graphql", json={"query": "{ nope }"})
        syntax = httpx.post(f"{url}/graphql", json={"query": "{ products { "})
        not_json = httpx.post(f"{url}/graphql", content=b"{", headers=JSON)
        wrong_type = httpx.post(f"{url}/graphql", content=b"query=x", headers={"content-type": "application/xml"})
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert syntax.status_code == 400
    assert syntax.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert not_json.status_code == 400
    assert wrong_type.status_code == 415


def test_batches_run_when_enabled(supergraph_file: Path) -> None:
    config = {"batching": {"enabled": True, "maximum_size": 3}}
    with running_router(supergraph_file, config) as url:
        response = httpx.post(
            f"{url}/graphql", json=[{"query": "{ users { id } }"}, {"query": '{ product(id: "p1") { name } }'}]
        )
        too_many = httpx.post(f"{url}/graphql", json=[{"query": "{ users { id } }"}] * 4)
    assert response.status_code == 200
    assert response.json() == [
        {"data": {"users": [{"id": "u1"}, {"id": "u2"}]}},
        {"data": {"product": {"name": "Table"}}},
    ]
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["extensions"]["code"] == "BATCH_LIMIT_EXCEEDED"


def test_graphiql_is_served_to_browsers_in_development(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        page = httpx.get(f"{url}/graphql", headers={"accept": "text/html,application/xhtml+xml"})
        home = httpx.get(f"{url}/")
        asset = httpx.get(f"{url}/graphiql/assets/graphiql.min.js")
    assert page.status_code == 200
    assert "GraphiQL" in page.text
    assert home.status_code == 200
    assert "GraphiQL" in home.text
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")


def test_production_turns_graphiql_and_introspection_off(supergraph_file: Path) -> None:
    from router.server.app import RouterOptions

    with running_router(supergraph_file, options=RouterOptions(production=True)) as url:
        page = httpx.get(f"{url}/graphql", headers={"accept": "text/html"})
        home = httpx.get(f"{url}/")
        introspection = httpx.post(f"{url}/graphql", json={"query": "{ __schema { types { name } } }"})
        typename = httpx.post(f"{url}/graphql", json={"query": "{ __typename }"})
    assert page.status_code == 400  # a GraphQL GET without a query, not a page
    assert "GraphiQL" not in home.text
    assert introspection.status_code == 400
    assert introspection.json()["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
    assert typename.json() == {"data": {"__typename": "Query"}}


def test_introspection_works_in_development(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.post(f"{url}/graphql", json={"query": '{ __type(name: "Product") { fields { name } } }'})
    names = {f["name"] for f in response.json()["data"]["__type"]["fields"]}
    assert names == {"id", "name", "price", "seller"}


def test_health_and_ready_and_draining(supergraph_file: Path) -> None:
    from router.server.app import HTTP_PROTOCOL, RouterOptions, create_router_app
    from router.server.config import RouterConfig
    from router.server.reload import FileSource
    from tests.support.servers import serve_app

    app = create_router_app(FileSource(supergraph_file), RouterConfig(), RouterOptions())
    with serve_app(app, http=HTTP_PROTOCOL) as url:
        assert httpx.get(f"{url}/health").json()["status"] == "ok"
        assert httpx.get(f"{url}/ready").status_code == 200
        app.state.lifecycle.draining = True
        draining = httpx.get(f"{url}/ready")
        assert draining.status_code == 503
        assert draining.json()["status"] == "draining"
        assert httpx.get(f"{url}/health").status_code == 200
