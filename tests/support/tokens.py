"""Access tokens for tests: sign claims with a throwaway key ring and verify them with its JWKS."""

from __future__ import annotations

import time
import uuid

from servicekit.auth import TokenVerifier
from servicekit.keys import KeyRing


class TestTokens:
    """Mints user tokens the way the users service does, for a verifier that trusts only this ring."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, issuer: str = "marketplace-users", audience: str = "marketplace") -> None:
        self.issuer = issuer
        self.audience = audience
        self.ring = KeyRing.generate()

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(issuer=self.issuer, audience=self.audience, jwks=self.ring.jwks())

    def token(self, user_id: str, role: str = "USER", ttl: int = 900) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user_id,
            "role": role,
            "iat": now,
            "exp": now + ttl,
            "jti": str(uuid.uuid4()),
        }
        return self.ring.sign(claims)

    def headers(self, user_id: str, role: str = "USER") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user_id, role)}"}
