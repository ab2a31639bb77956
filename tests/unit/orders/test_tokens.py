"""The verified-token cache never accepts what the verifier would refuse (real Ed25519 tokens)."""

from __future__ import annotations

import time
import uuid

import pytest

from servicekit.auth import Principal, TokenVerifier
from servicekit.errors import Unauthenticated
from subgraphs.orders.tokens import VerifiedTokens
from tests.support.tokens import TestTokens

pytestmark = pytest.mark.orders


class CountingVerifier(TokenVerifier):
    """The real verifier, counting the verifications it performs."""

    calls = 0

    async def verify(self, token: str) -> Principal:
        self.calls += 1
        return await super().verify(token)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def setup(**options: float) -> tuple[TestTokens, CountingVerifier, VerifiedTokens, Clock]:
    tokens = TestTokens()
    verifier = CountingVerifier(issuer=tokens.issuer, audience=tokens.audience, jwks=tokens.ring.jwks())
    clock = Clock()
    return tokens, verifier, VerifiedTokens(verifier, clock=clock, **options), clock  # type: ignore[arg-type]


async def test_the_same_token_is_verified_once() -> None:
    tokens, verifier, cache, _ = setup()
    user = str(uuid.uuid4())
    token = tokens.token(user)
    principals = [await cache.verify(token) for _ in range(3)]
    assert {p.user_id for p in principals} == {user}
    assert verifier.calls == 1
    await cache.verify(tokens.token(user))  # another token of the same user is another entry
    assert verifier.calls == 2


async def test_a_token_is_not_served_from_the_cache_once_it_expires() -> None:
    tokens, verifier, cache, clock = setup()
    token = tokens.token(str(uuid.uuid4()), ttl=60)
    await cache.verify(token)
    clock.now += 61  # past its exp: the cache verifies again (the real clock says it is still valid)
    await cache.verify(token)
    assert verifier.calls == 2


async def test_a_token_within_the_verifiers_leeway_is_never_cached() -> None:
    tokens, verifier, cache, _ = setup()
    token = tokens.token(str(uuid.uuid4()), ttl=-5)  # expired 5 s ago, accepted by the 30 s leeway
    await cache.verify(token)
    await cache.verify(token)
    assert verifier.calls == 2


async def test_entries_older_than_max_age_are_verified_again() -> None:
    tokens, verifier, cache, clock = setup(max_age=10)
    token = tokens.token(str(uuid.uuid4()))
    await cache.verify(token)
    clock.now += 9
    await cache.verify(token)
    clock.now += 2
    await cache.verify(token)
    assert verifier.calls == 2


async def test_bad_tokens_are_refused_every_time() -> None:
    _, verifier, cache, _ = setup()
    forged = TestTokens().token(str(uuid.uuid4()))  # signed by another key ring
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await cache.verify(forged)
    assert verifier.calls == 2


async def test_the_cache_is_bounded() -> None:
    tokens, verifier, cache, _ = setup(max_entries=2)
    first, second, third = (tokens.token(str(uuid.uuid4())) for _ in range(3))
    for token in (first, second, third):
        await cache.verify(token)
    await cache.verify(third)
    assert verifier.calls == 3
    await cache.verify(first)  # evicted, the oldest
    assert verifier.calls == 4
