"""Per-subgraph header rules (``headers.subgraphs.<name>.request``): after the ``all`` rules, for one subgraph."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from router.server.app import RouterOptions
from servicekit.internal import HEADER, verify_service_token
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router

pytestmark = pytest.mark.router
SECRET = "s" * 40
QUERY = "{ products { id seller { name } } }"
CONFIG = {
    "headers": {
        "all": {"request": [{"propagate": {"named": "x-tenant"}}]},
        "subgraphs": {
            "products": {
                "request": [
                    {"insert": {"name": "x-products-key", "value": "k1"}},
                    {"remove": {"named": "x-tenant"}},
                    {"propagate": {"named": "x-client", "rename": "x-products-client"}},
                    {"remove": {"named": "authorization"}},
                ]
            }
        },
    }
}


def test_each_subgraph_gets_its_own_rules_on_top_of_the_common_ones(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    with running_router(supergraph_file, CONFIG, RouterOptions(internal_secret=SECRET)) as url:
        response = httpx.post(
            f"{url}/graphql",
            json={"query": QUERY},
            headers={"x-tenant": "acme", "x-client": "web", "x-request-id": "req-9", "authorization": "Bearer t"},
        )
    assert response.json()["data"]["products"][0]["seller"] == {"name": "Ada"}
    products = subgraphs["products"].requests[0]["headers"]
    accounts = subgraphs["accounts"].requests[0]["headers"]
    assert products["x-products-key"] == "k1"
    assert products["x-products-client"] == "web"
    assert "x-tenant" not in products
    assert "authorization" not in products
    assert accounts["x-tenant"] == "acme"
    assert accounts["authorization"] == "Bearer t"
    assert not {"x-products-key", "x-products-client", "x-client"} & set(accounts)
    # What the router always sends is not subject to rules.
    for headers in (products, accounts):
        assert headers["x-request-id"] == "req-9"
        assert verify_service_token(headers[HEADER.lower()], SECRET) == "router"


def test_rules_for_a_subgraph_the_supergraph_lacks_only_warn(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph], caplog: pytest.LogCaptureFixture
) -> None:
    config = {"headers": {"subgraphs": {"inventory": {"request": [{"insert": {"name": "x-a", "value": "1"}}]}}}}
    with caplog.at_level("WARNING", logger="router.server.runtime"), running_router(supergraph_file, config) as url:
        assert httpx.post(f"{url}/graphql", json={"query": QUERY}).status_code == 200
    assert "headers names subgraphs the supergraph does not have: inventory" in caplog.text
    assert all("x-a" not in r["headers"] for g in subgraphs.values() for r in g.requests)
