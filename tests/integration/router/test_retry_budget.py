"""``traffic_shaping.*.experimental_retry`` through ``router serve``'s app: a subgraph answering 503 to
every request gets its query fetches sent again only while its retry budget lasts, each subgraph
spending its own budget, and ``/metrics`` counts the retries sent and those the budget refused. The
budget's arithmetic is in ``tests/unit/router/server/test_retry_budget.py``; retries over real sockets
in ``test_subgraph_retry.py``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import metric_value, running_router

pytestmark = pytest.mark.router

# products: a reserve of 3 retries (0.3 a second over 10 s) and nothing more; accounts: the defaults.
CONFIG = {
    "traffic_shaping": {
        "router": {"deduplicate_requests": False},
        "all": {"deduplicate_query": False},
        "subgraphs": {"products": {"experimental_retry": {"min_per_sec": 0.3, "ttl": "10s", "retry_percent": 0}}},
    }
}


def test_a_failing_subgraph_gets_retries_only_within_its_budget(
    supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    products, accounts = subgraphs["products"], subgraphs["accounts"]
    products.fail_status = accounts.fail_status = 503

    async def scenario(url: str) -> tuple[list[tuple[int, str | None]], str]:
        history: list[tuple[int, str | None]] = []
        async with httpx.AsyncClient(timeout=30) as client:
            for query in ["{ products { id } }"] * 4 + ["{ users { id } }"]:
                answer = await client.post(f"{url}/graphql", json={"query": query})
                errors = answer.json().get("errors") or [{}]
                history.append((answer.status_code, errors[0].get("extensions", {}).get("code")))
            metrics = (await client.get(f"{url}/metrics")).text
        return history, metrics

    with running_router(supergraph_file, CONFIG) as url:
        history, metrics = asyncio.run(scenario(url))

    def retries(subgraph: str, outcome: str) -> float:
        return metric_value(metrics, "router_subgraph_retries_total", f'outcome="{outcome}",subgraph="{subgraph}"')

    print(
        f"history {history}; products received {len(products.requests)}, accounts {len(accounts.requests)}; "
        f"products retries sent {retries('products', 'sent')}, over budget {retries('products', 'over_budget')}"
    )
    assert history == [(200, "SUBREQUEST_HTTP_ERROR")] * 5  # every query answered, with the subgraph's failure
    # products: 4 fetches, and the reserve of 3 retries (the first query's two, the second's first).
    assert len(products.requests) == 4 + 3
    assert (retries("products", "sent"), retries("products", "over_budget")) == (3, 3)
    # accounts spends a budget of its own (the defaults: 100 in reserve): its query is sent three times.
    assert len(accounts.requests) == 3
    assert (retries("accounts", "sent"), retries("accounts", "over_budget")) == (2, 0)
