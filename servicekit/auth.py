"""Verification of access tokens: the one module every service and the router use.

Algorithms are pinned (EdDSA by default: a token that says ``none`` or ``HS256`` is refused before
any key is used), the claims ``exp, iat, iss, aud, sub, jti`` are required (pyjwt accepts a token
without ``exp`` unless told), ``nbf`` is honoured, leeway is small, and the JWKS is cached and
fetched again when a token names a ``kid`` it does not hold (at most once per
``min_refresh_interval``, so random ``kid``s cannot make us hammer the key server).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt

from servicekit.errors import Unauthenticated, Unavailable

REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "sub", "jti")
ROLE_ADMIN = "ADMIN"
ROLE_USER = "USER"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (``role`` USER or ADMIN) identified by ``user_id``."""

    user_id: str
    role: str = ROLE_USER
    scopes: frozenset[str] = frozenset()
    token_id: str | None = None
    expires_at: int | None = None
    issued_at: int | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def can_act_for(self, user_id: str) -> bool:
        return self.is_admin or self.user_id == user_id


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    scope = claims.get("scope", "")
    return Principal(
        user_id=str(claims["sub"]),
        role=str(claims.get("role", ROLE_USER)),
        scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
        token_id=str(claims.get("jti")),
        expires_at=int(claims["exp"]),
        issued_at=int(claims["iat"]),
        claims=dict(claims),
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; ``None`` when there is no header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be 'Bearer <token>'")
    return token.strip()


class TokenVerifier:
    """Verifies access tokens against a JWKS given inline (tests, single process) or fetched by URL."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        algorithms: tuple[str, ...] = ("EdDSA",),
        leeway_seconds: int = 30,
        cache_seconds: float = 300.0,
        min_refresh_interval: float = 10.0,
        http_timeout: float = 5.0,
    ) -> None:
        if jwks_url is None and jwks is None:
            raise ValueError("a JWKS URL or an inline JWKS is required")
        self.issuer = issuer
        self.audience = audience
        self.jwks_url = jwks_url
        self.algorithms = algorithms
        self.leeway = leeway_seconds
        self.cache_seconds = cache_seconds
        self.min_refresh_interval = min_refresh_interval
        self.http_timeout = http_timeout
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._attempted_at = float("-inf")
        self._lock = asyncio.Lock()
        if jwks is not None:
            self._keys = self._parse(jwks)
            self._fetched_at = float("inf")  # inline keys never expire

    @staticmethod
    def _parse(jwks: Any) -> dict[str, jwt.PyJWK]:
        if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
            raise ValueError("not a JWKS document (an object with a 'keys' list)")
        keys: dict[str, jwt.PyJWK] = {}
        for entry in jwks["keys"]:
            if not isinstance(entry, Mapping):
                continue
            kid = entry.get("kid")
            if not isinstance(kid, str) or not kid or entry.get("use", "sig") != "sig":
                continue
            try:
                keys[kid] = jwt.PyJWK.from_dict(dict(entry))
            except jwt.PyJWTError:
                continue  # a key of a type we cannot use is ignored, not fatal
        return keys

    def _cache_is_fresh(self) -> bool:
        return time.monotonic() - self._fetched_at < self.cache_seconds

    async def _refresh(self, *, force: bool) -> None:
        """Fetch the JWKS when the cache is stale (or, when ``force``, at most every ``min_refresh_interval``).

        Failed attempts count as attempts: while the key server is down, verifications keep using the
        keys already held and retry it at most every ``min_refresh_interval``, instead of each waiting
        for a timeout in turn.
        """
        if self.jwks_url is None:
            return
        async with self._lock:
            since_attempt = time.monotonic() - self._attempted_at
            if since_attempt < self.min_refresh_interval or (not force and self._cache_is_fresh()):
                return  # another caller refreshed (or tried) while we waited for the lock
            self._attempted_at = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=self.http_timeout) as client:
                    response = await client.get(self.jwks_url)
                    response.raise_for_status()
                    keys = self._parse(response.json())
            except (httpx.HTTPError, ValueError) as error:
                if not self._keys:
                    raise Unavailable(f"cannot fetch signing keys: {error}") from None
                return  # keep serving with the keys we have
            self._keys = keys
            self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if not self._cache_is_fresh():
            await self._refresh(force=False)
        key = self._keys.get(kid)
        if key is None:
            await self._refresh(force=True)
            key = self._keys.get(kid)
        if key is None:
            if not self._keys:  # never fetched (key server down since start): not the token's fault
                raise Unavailable("signing keys are not available yet")
            raise Unauthenticated("token signed by an unknown key")
        return key

    async def verify(self, token: str) -> Principal:
        """The principal of a valid token; :class:`Unauthenticated` for anything else."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("malformed token") from None
        algorithm = header.get("alg")
        kid = header.get("kid")
        if algorithm not in self.algorithms:
            raise Unauthenticated("token algorithm not accepted")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("token has no key id")
        key = await self._key_for(kid)
        if key.algorithm_name != algorithm:
            raise Unauthenticated("token algorithm does not match its key")
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS), "verify_nbf": True, "strict_aud": True},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token expired") from None
        except jwt.PyJWTError as error:
            raise Unauthenticated(f"invalid token: {error}") from None
        return principal_from_claims(claims)
