"""The router's internal service token, sent to every subgraph so they know the call is ours.

Subgraphs refuse ``_entities`` and ``_service`` without a valid router token (see
:mod:`servicekit.router_only`). Minting one per request would cost an HMAC each time, so one
token is cached and renewed ``renew_before`` seconds before it expires.
"""

from __future__ import annotations

import time

from servicekit.internal import HEADER, mint_service_token

SERVICE_NAME = "router"


class ServiceTokenCache:
    def __init__(self, secret: str, *, ttl_seconds: int = 300, renew_before: int = 60) -> None:
        if renew_before >= ttl_seconds:
            raise ValueError("renew_before must be shorter than the token's lifetime")
        self._secret = secret
        self._ttl = ttl_seconds
        self._renew_before = renew_before
        self._token = ""
        self._renew_at = 0.0

    @property
    def header(self) -> str:
        return HEADER

    def token(self) -> str:
        now = time.time()
        if now >= self._renew_at:
            self._token = mint_service_token(self._secret, SERVICE_NAME, ttl_seconds=self._ttl)
            self._renew_at = now + self._ttl - self._renew_before
        return self._token
