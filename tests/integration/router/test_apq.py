"""Automatic persisted queries (Apollo's protocol) and the safelist mode."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx
import pytest

from tests.integration.router.support import running_router

pytestmark = pytest.mark.router
QUERY = "{ users { id name } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()


def persisted(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def test_the_apq_round_trip(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        unknown = httpx.post(f"{url}/graphql", json={"extensions": persisted(HASH)})
        registered = httpx.post(f"{url}/graphql", json={"query": QUERY, "extensions": persisted(HASH)})
        by_hash = httpx.post(f"{url}/graphql", json={"extensions": persisted(HASH)})
        over_get = httpx.get(
            f"{url}/graphql",
            params={"extensions": json.dumps(persisted(HASH))},
            headers={"apollo-require-preflight": "true"},
        )
    assert unknown.status_code == 200
    assert unknown.json() == {
        "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
    }
    expected = {"data": {"users": [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}]}}
    assert registered.json() == expected
    assert by_hash.json() == expected
    assert over_get.json() == expected


def test_a_hash_that_does_not_match_the_query_is_refused(supergraph_file: Path) -> None:
    with running_router(supergraph_file) as url:
        response = httpx.post(f"{url}/graphql", json={"query": QUERY, "extensions": persisted("0" * 64)})
        after = httpx.post(f"{url}/graphql", json={"extensions": persisted("0" * 64)})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"
    assert after.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_apq_can_be_disabled(supergraph_file: Path) -> None:
    with running_router(supergraph_file, {"apq": {"enabled": False}}) as url:
        response = httpx.post(f"{url}/graphql", json={"query": QUERY, "extensions": persisted(HASH)})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_SUPPORTED"


def test_the_in_memory_store_is_bounded(supergraph_file: Path) -> None:
    config = {"apq": {"router": {"cache": {"in_memory": {"limit": 1}}}}}
    other = "{ products { id } }"
    with running_router(supergraph_file, config) as url:
        httpx.post(f"{url}/graphql", json={"query": QUERY, "extensions": persisted(HASH)})
        digest = hashlib.sha256(other.encode()).hexdigest()
        httpx.post(f"{url}/graphql", json={"query": other, "extensions": persisted(digest)})
        evicted = httpx.post(f"{url}/graphql", json={"extensions": persisted(HASH)})
    assert evicted.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_registrations_are_shared_through_redis(supergraph_file: Path, redis_url: str) -> None:
    namespace = f"apq-test-{HASH[:8]}-{id(supergraph_file)}"
    config = {"apq": {"router": {"cache": {"redis": {"urls": [redis_url], "namespace": namespace, "ttl": "60s"}}}}}
    with running_router(supergraph_file, config) as first:
        httpx.post(f"{first}/graphql", json={"query": QUERY, "extensions": persisted(HASH)})
    with running_router(supergraph_file, config) as second:
        response = httpx.post(f"{second}/graphql", json={"extensions": persisted(HASH)})
    assert response.json() == {"data": {"users": [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}]}}


def _manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": "users-v1", "name": "Users", "type": "query", "body": QUERY}],
            }
        )
    )
    return path


def test_the_safelist_allows_only_listed_operations(supergraph_file: Path, tmp_path: Path) -> None:
    config = {
        "persisted_queries": {
            "enabled": True,
            "safelist": {"enabled": True},
            "local_manifests": [str(_manifest(tmp_path))],
        }
    }
    with running_router(supergraph_file, config) as url:
        by_id = httpx.post(f"{url}/graphql", json={"extensions": persisted("users-v1")})
        by_text = httpx.post(f"{url}/graphql", json={"query": QUERY})
        other = httpx.post(f"{url}/graphql", json={"query": "{ products { id } }"})
        apq = httpx.post(
            f"{url}/graphql",
            json={
                "query": "{ products { id } }",
                "extensions": persisted(hashlib.sha256(b"{ products { id } }").hexdigest()),
            },
        )
    expected = {"data": {"users": [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}]}}
    assert by_id.json() == expected
    assert by_text.json() == expected
    assert other.status_code == 400
    assert other.json()["errors"][0]["extensions"]["code"] == "QUERY_NOT_IN_SAFELIST"
    assert apq.status_code == 400


def test_require_id_refuses_operation_text(supergraph_file: Path, tmp_path: Path) -> None:
    config = {
        "persisted_queries": {
            "enabled": True,
            "safelist": {"enabled": True, "require_id": True},
            "local_manifests": [str(_manifest(tmp_path))],
        }
    }
    with running_router(supergraph_file, config) as url:
        by_text = httpx.post(f"{url}/graphql", json={"query": QUERY})
        by_id = httpx.post(f"{url}/graphql", json={"extensions": persisted("users-v1")})
    assert by_text.status_code == 400
    assert by_text.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_ID_REQUIRED"
    assert by_id.status_code == 200
