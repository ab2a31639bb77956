"""A small cache of verified access tokens for the orders API (checkout retries and spikes send
the same token many times; an Ed25519 verification is the largest CPU cost of a request after
the database).

It never accepts what :class:`TokenVerifier` would refuse, and refuses sooner rather than later:

- the key is the whole token, so only a byte-identical token hits;
- an entry is used only before the token's own ``exp`` (without the verifier's leeway);
- an entry lives at most ``max_age`` seconds (by default the verifier's JWKS cache period), so a
  key withdrawn from the JWKS stops being honoured through this cache no later than the verifier
  itself would stop honouring it;
- only successes are cached; a bad token is verified (and refused) every time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from servicekit.auth import Principal, TokenVerifier


class VerifiedTokens:
    def __init__(
        self,
        verifier: TokenVerifier,
        *,
        max_entries: int = 10_000,
        max_age: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = verifier
        self.clock = clock
        self.max_entries = max_entries
        self.max_age = verifier.cache_seconds if max_age is None else max_age
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def _lookup(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        principal, cached_at = entry
        now = self.clock()
        if now - cached_at >= self.max_age or principal.expires_at is None or now >= principal.expires_at:
            del self._entries[token]
            return None
        return principal

    async def verify(self, token: str) -> Principal:
        """Like :meth:`TokenVerifier.verify`; raises what it raises."""
        principal = self._lookup(token)
        if principal is not None:
            return principal
        principal = await self.verifier.verify(token)
        self._entries[token] = (principal, self.clock())
        if len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)  # the oldest entry
        return principal
