"""CSRF prevention as Apollo's: a request must be one a browser would have preflighted."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.integration.router.support import running_router

pytestmark = pytest.mark.router
QUERY = "{ users { id } }"


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[str]:
    path = tmp_path_factory.mktemp("csrf") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with running_router(path) as url:
        yield url


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({}, False),
        ({"content-type": "text/plain"}, False),
        ({"content-type": "application/x-www-form-urlencoded"}, False),
        ({"content-type": "multipart/form-data; boundary=x"}, False),
        ({"content-type": "Text/Plain; charset=utf-8"}, False),
        ({"content-type": "application/json"}, True),
        ({"content-type": "application/json; charset=utf-8"}, True),
        ({"content-type": "application/graphql-response+json"}, True),
        ({"x-apollo-operation-name": "Users"}, True),
        ({"apollo-require-preflight": "true"}, True),
        ({"content-type": "text/plain", "apollo-require-preflight": "1"}, True),
        ({"x-some-other-header": "1"}, False),
    ],
)
def test_get_requests(router_url: str, headers: dict[str, str], allowed: bool) -> None:
    response = httpx.get(f"{router_url}/graphql", params={"query": QUERY}, headers=headers)
    if allowed:
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"users": [{"id": "u1"}, {"id": "u2"}]}}
    else:
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "CSRF_ERROR"
        assert "Cross-Site Request Forgery" in error["message"]


@pytest.mark.parametrize(
    ("content_type", "extra", "status"),
    [
        ("text/plain", {}, 400),
        ("application/x-www-form-urlencoded", {}, 400),
        ("multipart/form-data; boundary=x", {}, 400),
        ("application/json", {}, 200),
        ("text/plain", {"apollo-require-preflight": "true"}, 415),  # preflighted, but still not JSON
    ],
)
def test_post_requests(router_url: str, content_type: str, extra: dict[str, str], status: int) -> None:
    response = httpx.post(
        f"{router_url}/graphql",
        content=b'{"query": "{ users { id } }"}',
        headers={"content-type": content_type, **extra},
    )
    assert response.status_code == status, response.text
    if status == 400:
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_ERROR"


def test_csrf_prevention_can_be_disabled(supergraph_sdl: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("csrf-off") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with running_router(path, {"csrf": {"unsafe_disabled": True}}) as url:
        response = httpx.get(f"{url}/graphql", params={"query": QUERY})
    assert response.status_code == 200


def test_required_headers_are_configurable(supergraph_sdl: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("csrf-custom") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    with running_router(path, {"csrf": {"required_headers": ["x-my-client"]}}) as url:
        custom = httpx.get(f"{url}/graphql", params={"query": QUERY}, headers={"x-my-client": "web"})
        apollo = httpx.get(f"{url}/graphql", params={"query": QUERY}, headers={"apollo-require-preflight": "true"})
    assert custom.status_code == 200
    assert apollo.status_code == 400
