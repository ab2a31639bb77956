"""Password policy and argon2id hashing."""

from __future__ import annotations

import pytest

from servicekit.errors import BadUserInput
from subgraphs.users.passwords import Passwords
from subgraphs.users.settings import ARGON2_MIN_MEMORY_KIB

pytestmark = pytest.mark.users


def owasp_minimum() -> Passwords:
    return Passwords(memory_kib=ARGON2_MIN_MEMORY_KIB, time_cost=2, parallelism=1, min_length=12, max_length=64)


async def test_hashes_are_argon2id_with_the_configured_parameters() -> None:
    passwords = owasp_minimum()
    stored = await passwords.hash("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await passwords.verify(stored, "correct horse battery staple")
    assert not await passwords.verify(stored, "correct horse battery stapl")
    assert stored != await passwords.hash("correct horse battery staple")  # salted


async def test_no_stored_hash_or_a_broken_one_never_matches() -> None:
    passwords = owasp_minimum()
    assert not await passwords.verify(None, "correct horse battery staple")
    assert not await passwords.verify("$argon2id$garbage", "correct horse battery staple")


async def test_passwords_are_compared_after_unicode_normalisation() -> None:
    passwords = owasp_minimum()
    composed = "caf\u00e9 au lait, s'il vous pla\u00eet"
    decomposed = "cafe\u0301 au lait, s'il vous plai\u0302t"
    assert composed != decomposed
    stored = await passwords.hash(composed)
    assert await passwords.verify(stored, decomposed)


def test_the_length_policy_names_the_field() -> None:
    passwords = owasp_minimum()
    for bad in ("short", "x" * 65):
        with pytest.raises(BadUserInput) as caught:
            passwords.check_policy(bad)
        assert caught.value.extensions["field"] == "password"
    assert passwords.check_policy("x" * 12) == "x" * 12


async def test_the_length_limits_count_the_characters_as_sent_not_as_normalised() -> None:
    passwords = owasp_minimum()
    # U+FDFA is one character that NFKC turns into 18: 64 as sent is within the limit of 64
    at_the_limit = "\ufdfa" + "y" * 63
    assert len(passwords.normalize(at_the_limit)) == 81
    stored = await passwords.hash(passwords.check_policy(at_the_limit))
    assert await passwords.verify(stored, at_the_limit)
    # and 11 as sent stays under the minimum of 12, however long it becomes
    with pytest.raises(BadUserInput):
        passwords.check_policy("\ufdfa" + "y" * 10)


async def test_hashes_with_older_parameters_need_a_rehash() -> None:
    weaker = await owasp_minimum().hash("correct horse battery staple")
    stronger = Passwords(memory_kib=ARGON2_MIN_MEMORY_KIB * 2, time_cost=3, parallelism=1, min_length=12, max_length=64)
    assert stronger.needs_rehash(weaker)
    assert not owasp_minimum().needs_rehash(weaker)
    assert await stronger.verify(weaker, "correct horse battery staple")  # old hashes still log in
