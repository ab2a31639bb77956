"""Password policy and argon2id hashing, always off the event loop.

Hashing and verifying cost tens of milliseconds of CPU by design, so they run in a worker thread
(``asyncio.to_thread``) and never stall other requests. A login for an account that does not exist
is verified against a dummy hash made with the same parameters, so it costs the same time as a
wrong password and answers the same way. Passwords are NFKC-normalised before hashing, so the same
password typed on different keyboards (composed or decomposed accents) is the same password.
"""

from __future__ import annotations

import asyncio
import secrets
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from servicekit.errors import BadUserInput


class Passwords:
    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int, min_length: int, max_length: int) -> None:
        self.min_length = min_length
        self.max_length = max_length
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, hash_len=32, salt_len=16, type=Type.ID
        )
        self._dummy_hash: str | None = None

    @staticmethod
    def normalize(password: str) -> str:
        return unicodedata.normalize("NFKC", password)

    def check_policy(self, password: str) -> str:
        """The normalised password, or :class:`BadUserInput` naming the rule it breaks.

        The lengths count the characters as sent (code points, as the API's ``minLength``/``maxLength``
        do), not after normalisation: NFKC turns one character into up to 18 (U+FDFA), and a password
        the documented limits allow must never be refused for what it becomes here.
        """
        if len(password) < self.min_length:
            raise BadUserInput(f"the password must have at least {self.min_length} characters", field="password")
        if len(password) > self.max_length:
            raise BadUserInput(f"the password must have at most {self.max_length} characters", field="password")
        return self.normalize(password)

    async def hash(self, password: str) -> str:
        """Hash a password that passed :meth:`check_policy`."""
        return await asyncio.to_thread(self.hasher.hash, self.normalize(password))

    async def warm_up(self) -> None:
        """Compute the dummy hash once, at start, rather than during the first login."""
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self.hasher.hash, secrets.token_urlsafe(32))

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash``; ``None`` (no such account) costs the same and fails."""
        await self.warm_up()
        # An over-long password can never match (none was stored); cutting it first keeps the cost flat.
        # The cut is generous: passwords stored before the policy counted characters as sent were
        # limited after normalisation, which can also shorten (a letter and its accent become one).
        candidate = self.normalize(password[: 4 * self.max_length + 1])
        target = stored_hash if stored_hash is not None else self._dummy_hash
        assert target is not None
        matched = await asyncio.to_thread(self._verify, target, candidate)
        return matched and stored_hash is not None

    def _verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether a hash was made with other parameters than today's (it is upgraded at the next login)."""
        try:
            return self.hasher.check_needs_rehash(stored_hash)
        except InvalidHashError:
            return True
