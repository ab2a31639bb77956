"""JWT verification at the router and ``@authenticated``/``@requiresScopes`` enforced before planning."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from router.server.app import RouterOptions
from router.server.auth import RouterAuthenticator
from tests.federation.support.subgraph import FakeSubgraph
from tests.integration.router.support import running_router
from tests.support.tokens import TestTokens

pytestmark = pytest.mark.router
TOKENS = TestTokens()


def token(*, scope: str = "", ttl: int = 900, audience: str = "marketplace") -> str:
    now = int(time.time())
    claims = {
        "iss": TOKENS.issuer,
        "aud": audience,
        "sub": "u1",
        "role": "USER",
        "scope": scope,
        "iat": now - 10,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    return TOKENS.ring.sign(claims)


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


@pytest.fixture(scope="module")
def router_url(tmp_path_factory: pytest.TempPathFactory, supergraph_sdl: str) -> Iterator[str]:
    path = tmp_path_factory.mktemp("auth") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    options = RouterOptions(authenticator=RouterAuthenticator.with_verifiers([TOKENS.verifier()]))
    with running_router(path, options=options) as url:
        yield url


def post(url: str, query: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{url}/graphql", json={"query": query}, headers=headers or {})


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Bearer not-a-jwt", "malformed token"),
        (f"Bearer {token(ttl=-120)}", "token expired"),
        (f"Bearer {token(audience='someone-else')}", "Audience doesn't match"),
        ("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'"),
    ],
)
def test_an_invalid_token_is_refused_with_401(
    router_url: str, subgraphs: dict[str, FakeSubgraph], header: str, reason: str
) -> None:
    response = post(router_url, "{ users { id } }", {"authorization": header})
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert reason in error["message"]
    assert subgraphs["accounts"].requests == []


def test_a_token_from_another_key_is_refused(router_url: str) -> None:
    stranger = TestTokens()
    response = post(router_url, "{ users { id } }", stranger.headers("u1"))
    assert response.status_code == 401
    assert "unknown key" in response.json()["errors"][0]["message"]


def test_anonymous_callers_get_null_and_an_error_for_authenticated_fields(
    router_url: str, subgraphs: dict[str, FakeSubgraph]
) -> None:
    response = post(router_url, "{ me { name } users { id name } }")
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"me": None, "users": [{"id": "u1", "name": "Ada"}, {"id": "u2", "name": "Bob"}]}
    assert body["errors"] == [
        {"message": "Unauthorized field or type", "path": ["me"], "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"}}
    ]
    assert subgraphs["accounts"].requests
    assert not any(re.search(r"\bme\b", r["query"]) for r in subgraphs["accounts"].requests)


def test_a_non_null_unauthorized_field_nulls_its_nearest_nullable_parent(router_url: str) -> None:
    body = post(router_url, "{ products { id seller { id secret } } }").json()
    assert body["data"] == {"products": [{"id": "p1", "seller": None}, {"id": "p2", "seller": None}]}
    assert [e["path"] for e in body["errors"]] == [["products", "@", "seller", "secret"]]


def test_authenticated_callers_see_authenticated_fields(router_url: str) -> None:
    body = post(router_url, "{ me { name secret } }", bearer(token())).json()
    assert body == {"data": {"me": {"name": "Ada", "secret": "s1"}}}


def test_requires_scopes_needs_one_of_the_scope_sets(router_url: str) -> None:
    query = '{ user(id: "u2") { name email } }'
    without = post(router_url, query, bearer(token(scope="read:orders"))).json()
    assert without["data"] == {"user": {"name": "Bob", "email": None}}
    assert without["errors"][0]["path"] == ["user", "email"]
    assert without["errors"][0]["extensions"]["code"] == "UNAUTHORIZED_FIELD_OR_TYPE"
    with_scope = post(router_url, query, bearer(token(scope="profile read:email"))).json()
    assert with_scope == {"data": {"user": {"name": "Bob", "email": "bob@example.com"}}}
    admin = post(router_url, query, bearer(token(scope="admin"))).json()
    assert admin == {"data": {"user": {"name": "Bob", "email": "bob@example.com"}}}


def test_unauthorized_fields_inside_fragments_are_removed_too(router_url: str) -> None:
    query = """
    query Q { users { ...U } }
    fragment U on User { id secret }
    """
    body = post(router_url, query).json()
    assert body["data"] is None  # users: [User!]! -> the non-null chain nulls the whole response
    assert body["errors"][0]["path"] == ["users", "@", "secret"]


def test_an_operation_with_only_unauthorized_fields_runs_nothing(
    router_url: str, subgraphs: dict[str, FakeSubgraph]
) -> None:
    body = post(router_url, "{ me { id } }").json()
    assert body["data"] == {"me": None}
    assert subgraphs["accounts"].requests == []


def test_require_authentication_refuses_anonymous_requests(
    supergraph_sdl: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("auth-required") / "supergraph.graphql"
    path.write_text(supergraph_sdl)
    options = RouterOptions(authenticator=RouterAuthenticator.with_verifiers([TOKENS.verifier()]))
    with running_router(path, {"authorization": {"require_authentication": True}}, options) as url:
        anonymous = post(url, "{ users { id } }")
        signed_in = post(url, "{ users { id } }", bearer(token()))
    assert anonymous.status_code == 401
    assert signed_in.status_code == 200


def test_the_authorization_header_reaches_the_subgraphs(router_url: str, subgraphs: dict[str, FakeSubgraph]) -> None:
    value = token()
    post(router_url, "{ me { name } }", bearer(value))
    assert subgraphs["accounts"].requests[0]["headers"]["authorization"] == f"Bearer {value}"
