"""Ed25519 signing keys for access tokens, and the JWKS that publishes their public halves.

A key ring holds one or more private keys; the newest signs, all are published, so a key can be
rotated in without invalidating tokens signed by the previous one. ``kid`` is the RFC 7638
thumbprint of the public key, so it is stable wherever the key is loaded.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "EdDSA"
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.DOTALL)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x")}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @property
    def jwk(self) -> dict[str, str]:
        jwk = public_jwk(self.private_key.public_key())
        return {**jwk, "kid": thumbprint(jwk), "alg": ALGORITHM, "use": "sig"}

    @property
    def kid(self) -> str:
        return self.jwk["kid"]

    def pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


class KeyRingError(Exception):
    pass


def split_pems(text: str) -> list[str]:
    """The PEM blocks of ``text`` in order (one setting can hold several keys, newest first)."""
    blocks = [match.group(0) for match in _PEM_BLOCK.finditer(text)]
    if not blocks and text.strip():
        raise KeyRingError("no PEM block (-----BEGIN PRIVATE KEY-----...) found")
    return blocks


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` so instances starting together create one key, not one each."""
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True)
class KeyRing:
    """Private keys, newest first: ``keys[0]`` signs, every key is published in :meth:`jwks`."""

    keys: tuple[SigningKey, ...]

    @classmethod
    def generate(cls) -> KeyRing:
        return cls((SigningKey(Ed25519PrivateKey.generate()),))

    @classmethod
    def from_pems(cls, pems: list[str]) -> KeyRing:
        keys = []
        for index, pem in enumerate(pems):
            try:
                key = serialization.load_pem_private_key(pem.encode(), password=None)
            except (ValueError, TypeError, UnsupportedAlgorithm) as error:
                raise KeyRingError(f"private key #{index + 1} is not a valid PEM: {error}") from None
            if not isinstance(key, Ed25519PrivateKey):
                raise KeyRingError(f"private key #{index + 1} is not an Ed25519 key")
            keys.append(SigningKey(key))
        if not keys:
            raise KeyRingError("no private key given")
        return cls(tuple(keys))

    @classmethod
    def load_or_create(cls, folder: Path) -> KeyRing:
        """Keys stored as ``<unix time>-<kid>.pem`` in ``folder``; one is created when there is none."""
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with _folder_lock(folder):
            files = sorted(folder.glob("*.pem"), reverse=True)
            if not files:
                cls.add_key(folder)
                files = sorted(folder.glob("*.pem"), reverse=True)
            return cls.from_pems([path.read_text() for path in files])

    @staticmethod
    def add_key(folder: Path) -> SigningKey:
        """Rotate: write a new key that becomes the signing key on the next load."""
        key = SigningKey(Ed25519PrivateKey.generate())
        stamps = [int(name) for name in (p.name.partition("-")[0] for p in folder.glob("*.pem")) if name.isdigit()]
        stamp = max([int(time.time() * 1000), *(s + 1 for s in stamps)])  # newer than any, even within one ms
        path = folder / f"{stamp:015d}-{key.kid}.pem"
        partial = path.with_suffix(".tmp")
        partial.touch(mode=0o600)
        partial.write_bytes(key.pem())
        partial.replace(path)  # a reader never sees a half-written key
        return key

    @property
    def active(self) -> SigningKey:
        return self.keys[0]

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.active.private_key, algorithm=ALGORITHM, headers={"kid": self.active.kid})

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [key.jwk for key in self.keys]}
