"""JWT verification at the router, with the shared verifier (:mod:`servicekit.auth`).

Like Apollo Router, a request that carries a token the router cannot verify (expired, bad
signature, unknown key, wrong issuer or audience, malformed header) is refused with 401 and
``UNAUTHENTICATED`` before anything runs; a request without a token runs anonymously, and the
authorization directives decide what it may see. The keys come from the JWKS of the users service
(``MARKETPLACE_JWKS_URL``) unless ``authentication.jwt.jwks`` lists others.
"""

from __future__ import annotations

from collections.abc import Mapping

from router.server.config import JwtConfig
from router.server.errors import RequestError
from servicekit.auth import Principal, TokenVerifier
from servicekit.errors import Unauthenticated, Unavailable


class RouterAuthenticator:
    def __init__(self, config: JwtConfig, *, default_jwks_url: str, issuer: str, audience: str, leeway: int) -> None:
        self.enabled = config.enabled
        self.header_name = config.header_name.lower()
        self.prefix = config.header_value_prefix
        audience = config.audience or audience
        sources = config.jwks or []
        if sources:
            self.verifiers = [
                TokenVerifier(
                    issuer=source.issuer or issuer,
                    audience=audience,
                    jwks_url=source.url,
                    algorithms=tuple(source.algorithms or ("EdDSA",)),
                    leeway_seconds=leeway,
                )
                for source in sources
            ]
        else:
            self.verifiers = [
                TokenVerifier(issuer=issuer, audience=audience, jwks_url=default_jwks_url, leeway_seconds=leeway)
            ]

    @classmethod
    def with_verifiers(cls, verifiers: list[TokenVerifier], config: JwtConfig | None = None) -> RouterAuthenticator:
        """An authenticator over ready-made verifiers (tests, embedding)."""
        instance = cls.__new__(cls)
        config = config or JwtConfig()
        instance.enabled = config.enabled
        instance.header_name = config.header_name.lower()
        instance.prefix = config.header_value_prefix
        instance.verifiers = verifiers
        return instance

    def token_of(self, headers: Mapping[str, str]) -> str | None:
        value = headers.get(self.header_name)
        if value is None or value == "":
            return None
        scheme, _, token = value.partition(" ")
        if not self.prefix:
            return value.strip()
        if scheme.lower() != self.prefix.lower() or not token.strip():
            raise RequestError(
                401, f"The {self.header_name} header must be '{self.prefix} <token>'.", "UNAUTHENTICATED"
            )
        return token.strip()

    async def authenticate(self, headers: Mapping[str, str]) -> Principal | None:
        """The caller's principal, ``None`` without a token; :class:`RequestError` (401/503) otherwise."""
        if not self.enabled:
            return None
        token = self.token_of(headers)
        if token is None:
            return None
        first: Unauthenticated | None = None
        for verifier in self.verifiers:
            try:
                return await verifier.verify(token)
            except Unauthenticated as error:
                first = first or error
            except Unavailable as error:
                raise RequestError(503, f"Cannot verify the token: {error.message}", "UNAVAILABLE") from None
        message = first.message if first is not None else "invalid token"
        raise RequestError(401, f"Authentication failed: {message}.", "UNAUTHENTICATED")
