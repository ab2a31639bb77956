"""``traffic_shaping.router.timeout``: an operation still running after it is cancelled and answered 504
GATEWAY_TIMEOUT, on real subgraph servers that answer late; the router keeps serving afterwards, and
without a timeout the same slow operation finishes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from router.rest.problems import PROBLEM_MEDIA_TYPE
from router.server.app import RouterOptions
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import PRODUCTS_WITH_SELLERS, PRODUCTS_WITH_SELLERS_ANSWER, running_router

pytestmark = pytest.mark.router

QUERY = PRODUCTS_WITH_SELLERS
EXPECTED = PRODUCTS_WITH_SELLERS_ANSWER
TIMED_OUT = {
    "errors": [
        {
            "message": "The operation did not finish within the router's timeout.",
            "extensions": {"code": "GATEWAY_TIMEOUT"},
        }
    ]
}
# Far beyond the router's timeout and within the client's: a router that does not cut the operation
# short makes the client give up, and the test fails on that.
SUBGRAPH_DELAY = 4.0
CLIENT_TIMEOUT = 3.0


@pytest.fixture(scope="module")
def routers(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[dict[str, str]]:
    path = tmp_path_factory.mktemp("router-timeout") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with (
        running_router(path, {"traffic_shaping": {"router": {"timeout": "300ms"}}}) as bounded,
        running_router(path, {"traffic_shaping": {"router": {"timeout": None}}}) as unbounded,
    ):
        yield {"bounded": bounded, "unbounded": unbounded}


async def _post(url: str, count: int = 1) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=CLIENT_TIMEOUT) as client:
        return await asyncio.gather(*(client.post(f"{url}/graphql", json={"query": QUERY}) for _ in range(count)))


def test_a_late_operation_is_cut_off_with_504_and_the_router_serves_on(
    routers: dict[str, str], subgraphs: dict[str, FakeSubgraph]
) -> None:
    subgraphs["products"].delay_seconds = SUBGRAPH_DELAY
    (late,) = asyncio.run(_post(routers["bounded"]))
    assert late.status_code == 504
    assert late.json() == TIMED_OUT
    assert len(subgraphs["products"].requests) == 1  # it was cut in flight, after its first fetch left
    assert subgraphs["accounts"].requests == []  # and nothing after it ran
    # Counted as the router's failure, not as a refusal of the client's request (a 4xx).
    metrics = httpx.get(f"{routers['bounded']}/metrics").text
    assert 'router_operations_total{operation="anonymous",outcome="error",type="query"} 1.0' in metrics
    assert 'outcome="refused"' not in metrics

    subgraphs["products"].delay_seconds = 0.0
    (on_time,) = asyncio.run(_post(routers["bounded"]))
    assert on_time.status_code == 200
    assert on_time.json() == EXPECTED


def test_identical_operations_sharing_one_execution_each_get_their_504(
    routers: dict[str, str], subgraphs: dict[str, FakeSubgraph]
) -> None:
    """The shared execution is cancelled with its first caller's deadline: the others neither hang on it
    nor see its cancellation as an error of theirs."""
    subgraphs["products"].delay_seconds = SUBGRAPH_DELAY
    responses = asyncio.run(_post(routers["bounded"], 4))
    assert [(r.status_code, r.json()) for r in responses] == [(504, TIMED_OUT)] * 4


def test_without_a_timeout_a_slow_operation_finishes(
    routers: dict[str, str], subgraphs: dict[str, FakeSubgraph]
) -> None:
    subgraphs["products"].delay_seconds = 0.5
    (slow,) = asyncio.run(_post(routers["unbounded"]))
    assert slow.status_code == 200
    assert slow.json() == EXPECTED


def test_a_rest_route_answers_a_504_problem_its_openapi_document_declares(
    tmp_path: Path, supergraph_file: Path, subgraphs: dict[str, FakeSubgraph]
) -> None:
    declarations = tmp_path / "rest"
    declarations.mkdir()
    (declarations / "sellers.graphql").write_text(
        'query Sellers @rest(method: GET, path: "/sellers") { products { id seller { name } } }\n'
    )
    config = {"traffic_shaping": {"router": {"timeout": "300ms"}}}
    with running_router(supergraph_file, config, RouterOptions(rest_declarations=declarations)) as url:
        assert httpx.get(f"{url}/sellers").status_code == 200
        subgraphs["products"].delay_seconds = SUBGRAPH_DELAY
        late = httpx.get(f"{url}/sellers", timeout=CLIENT_TIMEOUT)
        document = httpx.get(f"{url}/openapi.json").json()
    assert late.status_code == 504
    assert late.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    problem = late.json()
    assert problem["status"] == 504
    assert problem["errors"] == TIMED_OUT["errors"]
    assert "504" in document["paths"]["/sellers"]["get"]["responses"]
