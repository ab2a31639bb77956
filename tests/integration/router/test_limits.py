"""The limits battery: each hostile request is refused with a 4xx and a clear error, before planning."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router

pytestmark = pytest.mark.router


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[str]:
    path = tmp_path_factory.mktemp("limits") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with running_router(path, {"batching": {"enabled": True, "maximum_size": 10}}) as url:
        yield url


def _post(url: str, query: str) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json={"query": query}, timeout=30)


def _refused(response: httpx.Response, code: str, status: int = 400) -> str:
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    return str(error["message"])


def test_depth_20_is_refused(router_url: str, subgraphs: dict[str, FakeSubgraph]) -> None:
    fragment = "query Deep { products { id ...F } }\nfragment F on Product { seller { id } }"
    assert _post(router_url, fragment).status_code == 200
    # 19 nested fields and a leaf: depth 20, refused before validation (the field names do not even exist)
    text = "{ " + "a { " * 19 + "id" + " }" * 19 + " }"
    message = _refused(_post(router_url, text), "MAX_DEPTH_LIMIT")
    assert "depth 20" in message
    assert "limit 15" in message
    assert not any(" a " in r["query"] or "{a{" in r["query"] for r in subgraphs["products"].requests)


def test_101_aliases_are_refused(router_url: str) -> None:
    fields = " ".join(f"a{i}: id" for i in range(101))
    message = _refused(_post(router_url, "{ products { " + fields + " } }"), "MAX_ALIASES_LIMIT")
    assert "limit 100" in message
    ok = " ".join(f"a{i}: id" for i in range(100))
    assert _post(router_url, "{ products { " + ok + " } }").status_code == 200


def test_500_duplicated_fields_are_refused(router_url: str) -> None:
    message = _refused(_post(router_url, "{ products { " + "id " * 500 + "} }"), "MAX_RECURSIVE_SELECTIONS_LIMIT")
    assert "limit 400" in message


def test_circular_fragments_are_refused(router_url: str) -> None:
    query = """
    { products { ...A } }
    fragment A on Product { seller { id } ...B }
    fragment B on Product { name ...A }
    """
    message = _refused(_post(router_url, query), "GRAPHQL_VALIDATION_FAILED")
    assert "Cannot spread fragment 'A' within itself" in message


def test_a_batch_of_50_is_refused(router_url: str) -> None:
    response = httpx.post(f"{router_url}/graphql", json=[{"query": "{ users { id } }"}] * 50)
    message = _refused(response, "BATCH_LIMIT_EXCEEDED")
    assert "50 requests" in message
    assert "limit is 10" in message


def test_batches_are_refused_when_batching_is_off(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.post(f"{url}/graphql", json=[{"query": "{ users { id } }"}] * 50)
    _refused(response, "BATCHING_NOT_ENABLED")


def test_a_3mb_body_is_refused_with_413(router_url: str) -> None:
    body = b'{"query": "{ users { id } }", "variables": {"x": "' + b"x" * 3_000_000 + b'"}}'
    response = httpx.post(f"{router_url}/graphql", content=body, headers={"content-type": "application/json"})
    message = _refused(response, "PAYLOAD_TOO_LARGE", status=413)
    assert "2000000 bytes" in message


def test_a_3mb_chunked_body_without_length_is_refused_with_413(router_url: str) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ users { id } }", "variables": {"x": "'
        for _ in range(30):
            yield b"x" * 100_000
        yield b'"}}'

    response = httpx.post(f"{router_url}/graphql", content=chunks(), headers={"content-type": "application/json"})
    _refused(response, "PAYLOAD_TOO_LARGE", status=413)


def test_a_20000_token_query_is_refused(router_url: str) -> None:
    query = "{ products { " + "id " * 20_000 + "} }"
    message = _refused(_post(router_url, query), "GRAPHQL_PARSE_FAILED")
    assert "Token limit exceeded" in message
    assert "15000" in message


def test_deep_nesting_is_refused_before_parsing(router_url: str) -> None:
    query = "{ products(" + "a: [" * 150 + "1" + "]" * 150 + ") { id } }"
    message = _refused(_post(router_url, query), "GRAPHQL_PARSE_FAILED")
    assert "Recursion limit exceeded" in message


def test_height_and_root_field_limits(supergraph_file: Path) -> None:
    config = {"limits": {"max_height": 3, "max_root_fields": 2}}
    with running_router(supergraph_file, config) as url:
        height = _post(url, "{ products { id name price seller { id } } }")
        same_field_twice = _post(url, "{ products { id name n: name } }")
        roots = _post(url, "{ a: users { id } b: users { id } c: users { id } }")
    assert "unique fields" in _refused(height, "MAX_HEIGHT_LIMIT")
    assert same_field_twice.status_code == 200
    assert "root fields" in _refused(roots, "MAX_ROOT_FIELDS_LIMIT")


def test_warn_only_lets_operations_over_limits_run(supergraph_file: Path) -> None:
    with running_router(supergraph_file, {"limits": {"max_aliases": 1, "warn_only": True}}) as url:
        response = _post(url, "{ a: users { id } b: users { id } }")
    assert response.status_code == 200
    assert "errors" not in response.json()


def _deep(levels: int, leaf: object, wrap: str) -> object:
    value = leaf
    for _ in range(levels):
        value = [value] if wrap == "list" else {"a": value}
    return value


@pytest.mark.parametrize("wrap", ["list", "object"])
def test_deeply_nested_variables_are_refused(router_url: str, wrap: str) -> None:
    query = "query Q($id: ID!) { user(id: $id) { id } }"
    response = httpx.post(
        f"{router_url}/graphql", json={"query": query, "variables": {"id": _deep(500, "u1", wrap)}}, timeout=30
    )
    assert "nests deeper than 100 levels" in _refused(response, "MAX_INPUT_DEPTH_LIMIT")
    shallow = httpx.post(f"{router_url}/graphql", json={"query": query, "variables": {"id": _deep(3, "u1", wrap)}})
    # refused by GraphQL's own coercion (an ID is not a list or an object), not by the depth check
    assert "nests deeper" not in _refused(shallow, "BAD_USER_INPUT")


def test_a_fragment_bomb_of_29_levels_is_refused(router_url: str) -> None:
    fragments = "".join(f"fragment F{i} on Product {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(29))
    query = "{ products { ...F0 } }\n" + fragments + "fragment F29 on Product { id }"
    _refused(_post(router_url, query), "MAX_RECURSIVE_SELECTIONS_LIMIT")
    assert httpx.get(f"{router_url}/ready", timeout=5).status_code == 200
