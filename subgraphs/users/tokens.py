"""Issuing tokens: Ed25519-signed access JWTs and opaque refresh tokens (stored only as SHA-256).

Access tokens carry ``iss, aud, sub, exp, iat, nbf, jti`` and ``role``, with the signing key's
``kid`` in the header; verifiers (every service and the router) check them with
:mod:`servicekit.auth` against the JWKS this service publishes.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

from servicekit.keys import KeyRing, KeyRingError, split_pems
from subgraphs.users.settings import UsersSettings

TOKEN_TYPE = "Bearer"  # noqa: S105 (a token type, not a secret)


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: int
    expires_in: int


def load_key_ring(settings: UsersSettings) -> KeyRing:
    """The keys from ``MARKETPLACE_USERS_SIGNING_KEYS``, or the local ones under ``<data dir>/keys/users``."""
    if settings.signing_keys:
        try:
            return KeyRing.from_pems(split_pems(settings.signing_keys))
        except KeyRingError as error:
            raise KeyRingError(f"MARKETPLACE_USERS_SIGNING_KEYS: {error}") from None
    return KeyRing.load_or_create(settings.data_dir / "keys" / "users")


def hash_refresh_token(token: str) -> str:
    """Refresh tokens carry 256 random bits, so a fast unsalted hash is enough to make a stolen table useless."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_refresh_token() -> tuple[str, str]:
    """A new opaque refresh token and its stored hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


class TokenIssuer:
    def __init__(
        self, ring: KeyRing, *, issuer: str, audience: str, access_ttl_seconds: int, refresh_ttl_seconds: int
    ) -> None:
        self.ring = ring
        self.issuer = issuer
        self.audience = audience
        self.access_ttl_seconds = access_ttl_seconds
        self.refresh_ttl_seconds = refresh_ttl_seconds

    def access_token(self, user_id: str, role: str) -> AccessToken:
        now = int(time.time())
        expires_at = now + self.access_ttl_seconds
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "role": role,
            "iat": now,
            "nbf": now,
            "exp": expires_at,
            "jti": str(uuid.uuid4()),
        }
        return AccessToken(self.ring.sign(claims), expires_at, self.access_ttl_seconds)
