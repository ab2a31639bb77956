"""The router's internal service token, sent to every subgraph so they know the call is ours.

Subgraphs refuse ``_entities`` and ``_service`` without a valid router token (see
:mod:`servicekit.router_only`), and read the client's address from its ``client`` claim (the
users subgraph throttles logins by it). Minting one per request would cost an HMAC each time, so
one token per client address is cached (a bounded LRU) and renewed ``renew_before`` seconds
before it expires.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from servicekit.internal import HEADER, mint_service_token

SERVICE_NAME = "router"


class ServiceTokenCache:
    def __init__(self, secret: str, *, ttl_seconds: int = 300, renew_before: int = 60, max_clients: int = 4096) -> None:
        if renew_before >= ttl_seconds:
            raise ValueError("renew_before must be shorter than the token's lifetime")
        self._secret = secret
        self._ttl = ttl_seconds
        self._renew_before = renew_before
        self._tokens: OrderedDict[str | None, tuple[str, float]] = OrderedDict()
        self._max_clients = max_clients

    @property
    def header(self) -> str:
        return HEADER

    def token(self, client: str | None = None) -> str:
        now = time.time()
        tokens = self._tokens
        found = tokens.get(client)
        if found is not None and now < found[1]:
            tokens.move_to_end(client)
            return found[0]
        token = mint_service_token(self._secret, SERVICE_NAME, ttl_seconds=self._ttl, client=client)
        tokens[client] = (token, now + self._ttl - self._renew_before)
        tokens.move_to_end(client)
        if len(tokens) > self._max_clients:
            tokens.popitem(last=False)
        return token
