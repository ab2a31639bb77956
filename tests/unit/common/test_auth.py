"""The shared access-token verifier: the JWT negative suite, and JWKS fetching over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servicekit.auth import Principal, TokenVerifier, bearer_token
from servicekit.errors import Unauthenticated, Unavailable
from servicekit.keys import KeyRing
from tests.support.servers import serve_app

pytestmark = pytest.mark.users

ISSUER = "marketplace-users"
AUDIENCE = "marketplace"
RING = KeyRing.generate()
FOREIGN = KeyRing.generate()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "role": "USER",
        "iat": now,
        "exp": now + 900,
        "jti": str(uuid.uuid4()),
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None) -> str:
    """A token assembled by hand, for the attacks pyjwt refuses to produce."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def sign_any(payload: dict[str, Any], ring: KeyRing = RING) -> str:
    """Sign a payload pyjwt would refuse to encode (a list ``iss``, a numeric ``sub``) with a trusted key."""
    header = {"alg": "EdDSA", "typ": "JWT", "kid": ring.active.kid}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64(ring.active.private_key.sign(signing_input.encode()))}"


def inline_verifier(ring: KeyRing = RING) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks=ring.jwks(), leeway_seconds=30)


async def rejected(token: str, verifier: TokenVerifier | None = None) -> str:
    with pytest.raises(Unauthenticated) as caught:
        await (verifier or inline_verifier()).verify(token)
    return caught.value.message


async def test_a_good_token_gives_its_principal() -> None:
    token_claims = claims(role="ADMIN")
    principal = await inline_verifier().verify(RING.sign(token_claims))
    assert principal == Principal(
        user_id=token_claims["sub"],
        role="ADMIN",
        token_id=token_claims["jti"],
        expires_at=token_claims["exp"],
        issued_at=token_claims["iat"],
        claims=token_claims,
    )
    assert principal.is_admin


async def test_alg_none_is_rejected() -> None:
    header = {"alg": "none", "typ": "JWT", "kid": RING.active.kid}
    assert "algorithm" in await rejected(forge(header, claims(), None))
    assert "algorithm" in await rejected(forge({**header, "alg": "None"}, claims(), None))


async def test_hs256_signed_with_the_public_key_is_rejected() -> None:
    public = RING.active.private_key.public_key()
    header = {"alg": "HS256", "typ": "JWT", "kid": RING.active.kid}
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk_json = json.dumps(RING.active.jwk).encode()
    for secret in (pem, raw, jwk_json, RING.active.jwk["x"].encode()):
        assert "algorithm" in await rejected(forge(header, claims(), secret))


async def test_a_token_signed_with_other_asymmetric_algorithms_is_rejected() -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    headers = {"kid": RING.active.kid}
    assert "algorithm" in await rejected(jwt.encode(claims(), rsa_key, algorithm="RS256", headers=headers))
    assert "algorithm" in await rejected(jwt.encode(claims(), ec_key, algorithm="ES256", headers=headers))


async def test_expired_tokens_are_rejected_beyond_the_small_leeway() -> None:
    now = int(time.time())
    assert "expired" in await rejected(RING.sign(claims(iat=now - 3600, exp=now - 60)))
    # within the leeway (clock skew between services) it still passes
    assert await inline_verifier().verify(RING.sign(claims(iat=now - 3600, exp=now - 5)))


async def test_not_yet_valid_tokens_are_rejected() -> None:
    now = int(time.time())
    assert await rejected(RING.sign(claims(nbf=now + 3600)))
    assert await rejected(RING.sign(claims(iat=now + 3600)))


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub", "jti"])
async def test_a_token_without_a_required_claim_is_rejected(missing: str) -> None:
    assert await rejected(RING.sign(claims(**{missing: ...})))


@pytest.mark.parametrize("missing", ["exp", "sub"])
async def test_a_required_claim_set_to_null_is_rejected(missing: str) -> None:
    assert await rejected(RING.sign(claims(**{missing: None})))


@pytest.mark.parametrize(
    "audience", ["other", "marketplace ", "MARKETPLACE", ["marketplace"], ["marketplace", "x"], ""]
)
async def test_a_wrong_audience_is_rejected(audience: Any) -> None:
    assert await rejected(sign_any(claims(aud=audience)))


@pytest.mark.parametrize(
    "issuer",
    [
        "marketplace",  # a substring of the real issuer
        "users",
        "marketplace-users2",
        "marketplace-users/",
        " marketplace-users",
        "MARKETPLACE-USERS",
        "https://evil.example/marketplace-users",
        ["marketplace-users"],
        "",
    ],
)
async def test_issuer_variants_are_rejected(issuer: Any) -> None:
    assert await rejected(sign_any(claims(iss=issuer)))


async def test_a_tampered_payload_is_rejected() -> None:
    token = RING.sign(claims())
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded["role"] = "ADMIN"
    tampered = f"{header}.{b64(json.dumps(decoded).encode())}.{signature}"
    assert "invalid" in await rejected(tampered)


async def test_a_tampered_signature_or_header_is_rejected() -> None:
    token = RING.sign(claims())
    header, payload, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert await rejected(f"{header}.{payload}.{flipped}")
    two_keys = KeyRing((RING.active, FOREIGN.active))
    swapped = jwt.encode(claims(), RING.active.private_key, algorithm="EdDSA", headers={"kid": FOREIGN.active.kid})
    assert await rejected(swapped, inline_verifier(two_keys))


async def test_a_key_we_do_not_trust_is_rejected_even_under_a_known_kid() -> None:
    impostor = jwt.encode(claims(), FOREIGN.active.private_key, algorithm="EdDSA", headers={"kid": RING.active.kid})
    assert "invalid" in await rejected(impostor)


async def test_unknown_and_missing_kids_are_rejected() -> None:
    assert "unknown key" in await rejected(FOREIGN.sign(claims()))
    no_kid = jwt.encode(claims(), RING.active.private_key, algorithm="EdDSA")
    assert "key id" in await rejected(no_kid)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "a.b", "....", "eyJhbGciOiJFZERTQSJ9.e30."])
async def test_garbage_is_rejected(token: str) -> None:
    assert await rejected(token)


async def test_non_string_subjects_are_rejected() -> None:
    assert await inline_verifier().verify(sign_any(claims()))  # the hand-made signature itself is good
    assert await rejected(sign_any(claims(sub=42)))
    assert await rejected(sign_any(claims(sub={"id": "x"})))


def test_bearer_headers() -> None:
    assert bearer_token(None) is None
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer   abc ") == "abc"
    for bad in ("Basic abc", "Bearer", "Bearer ", "abc"):
        with pytest.raises(Unauthenticated):
            bearer_token(bad)


# --- JWKS over a real HTTP server -----------------------------------------------------------------


@dataclass
class JwksServer:
    """Serves whatever ``document`` holds (or ``status``), counting requests."""

    document: Any = field(default_factory=dict)
    status: int = 200
    hits: int = 0

    def app(self) -> Starlette:
        async def jwks(_: Request) -> Response:
            self.hits += 1
            if self.status != 200:
                return Response("down", status_code=self.status)
            return JSONResponse(self.document)

        return Starlette(routes=[Route("/.well-known/jwks.json", jwks)])


@pytest.fixture
def jwks_server() -> Iterator[tuple[JwksServer, str]]:
    server = JwksServer(document=RING.jwks())
    with serve_app(server.app()) as url:
        yield server, f"{url}/.well-known/jwks.json"


def url_verifier(url: str, **options: Any) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, audience=AUDIENCE, jwks_url=url, **options)


async def test_keys_are_fetched_once_and_cached(jwks_server: tuple[JwksServer, str]) -> None:
    server, url = jwks_server
    verifier = url_verifier(url)
    for _ in range(3):
        assert await verifier.verify(RING.sign(claims()))
    assert server.hits == 1


async def test_an_unknown_kid_refreshes_the_jwks_and_finds_a_rotated_in_key(
    jwks_server: tuple[JwksServer, str],
) -> None:
    server, url = jwks_server
    verifier = url_verifier(url, min_refresh_interval=0)
    assert await verifier.verify(RING.sign(claims()))
    rotated = KeyRing((FOREIGN.active, RING.active))  # a new key signs, the old one stays published
    server.document = rotated.jwks()
    assert await verifier.verify(rotated.sign(claims()))
    assert await verifier.verify(RING.sign(claims()))
    assert server.hits == 2


async def test_random_kids_cannot_hammer_the_key_server(jwks_server: tuple[JwksServer, str]) -> None:
    server, url = jwks_server
    verifier = url_verifier(url, min_refresh_interval=3600)
    assert await verifier.verify(RING.sign(claims()))
    for _ in range(5):
        assert "unknown key" in await rejected(KeyRing.generate().sign(claims()), verifier)
    assert server.hits == 1  # the first fetch; unknown kids within the interval fetch nothing more


async def test_a_key_removed_from_the_jwks_stops_verifying_once_the_cache_expires(
    jwks_server: tuple[JwksServer, str],
) -> None:
    server, url = jwks_server
    verifier = url_verifier(url, cache_seconds=0, min_refresh_interval=0)
    token = RING.sign(claims())
    assert await verifier.verify(token)
    server.document = FOREIGN.jwks()
    assert "unknown key" in await rejected(token, verifier)


async def test_a_key_server_outage_keeps_the_cached_keys_and_backs_off(
    jwks_server: tuple[JwksServer, str],
) -> None:
    server, url = jwks_server
    verifier = url_verifier(url, cache_seconds=0, min_refresh_interval=3600)
    assert await verifier.verify(RING.sign(claims()))
    server.status = 503
    for _ in range(3):
        assert await verifier.verify(RING.sign(claims()))  # stale keys keep serving
    assert server.hits == 1  # and the failing server is not asked again within the interval


async def test_no_keys_at_all_is_unavailable_not_a_crash(jwks_server: tuple[JwksServer, str]) -> None:
    server, url = jwks_server
    for document in ([1, 2, 3], {"keys": "nope"}, "text"):
        server.document = document
        with pytest.raises(Unavailable):
            await url_verifier(url).verify(RING.sign(claims()))
    server.status = 500
    verifier = url_verifier(url)
    with pytest.raises(Unavailable):
        await verifier.verify(RING.sign(claims()))
    with pytest.raises(Unavailable):  # still unavailable (not "unknown key") while backing off
        await verifier.verify(RING.sign(claims()))


async def test_keys_of_other_kinds_or_uses_in_the_jwks_are_ignored(jwks_server: tuple[JwksServer, str]) -> None:
    server, url = jwks_server
    good = RING.active.jwk
    server.document = {
        "keys": [
            {"kty": "oct", "kid": "hmac", "k": b64(b"secret")},
            {**FOREIGN.active.jwk, "use": "enc"},
            {"kty": "OKP", "crv": "Ed25519", "kid": "broken", "x": "!!"},
            "not a key",
            good,
        ]
    }
    verifier = url_verifier(url)
    assert await verifier.verify(RING.sign(claims()))
    assert await rejected(FOREIGN.sign(claims()), verifier)
    hmac_token = forge({"alg": "HS256", "kid": "hmac"}, claims(), b"secret")
    assert "algorithm" in await rejected(hmac_token, verifier)


def test_the_client_address_comes_only_from_a_valid_router_token() -> None:
    from servicekit.internal import client_address, mint_service_token

    secret = "s" * 40
    token = mint_service_token(secret, "router", client="2001:db8::1")
    assert client_address(token, secret, "10.0.0.9") == "2001:db8::1"
    assert (
        client_address(mint_service_token("x" * 40, "router", client="2001:db8::1"), secret, "10.0.0.9") == "10.0.0.9"
    )
    assert client_address(mint_service_token(secret, "orders", client="2001:db8::1"), secret, "10.0.0.9") == "10.0.0.9"
    assert client_address(mint_service_token(secret, "router"), secret, "10.0.0.9") == "10.0.0.9"
    assert client_address(None, secret, None) == "unknown"
