"""Tokens for calls between our own processes (router → subgraph, order worker → products).

They are short-lived HS256 JWTs signed with one internal secret that only our processes hold, sent
in their own header, never in ``Authorization``: user tokens are verified with EdDSA only, so an
internal token can never pass as a user's and a user's can never reach an internal operation.
In development the secret is generated once into the data folder, shared by every local process;
in production it must be given (``MARKETPLACE_INTERNAL_SECRET``, 32 characters or more).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import uuid
from pathlib import Path

import jwt

from servicekit.errors import Unauthenticated

HEADER = "X-Marketplace-Service-Token"
AUDIENCE = "marketplace-internal"
ALGORITHM = "HS256"
MIN_SECRET_LENGTH = 32


def load_or_create_secret(data_dir: Path) -> str:
    """The secret in ``data_dir/keys/internal-secret``, created when absent.

    Every instance ``marketplace up`` starts calls this at once. The file appears complete or not at
    all: the secret is written to a file of this process's own, then hard-linked to its name, which
    fails when another process got there first (its secret is then read). Checking for the file and
    then writing it let each racing process keep a secret of its own, or read an empty file."""
    path = data_dir / "keys" / "internal-secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".internal-secret.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        partial.touch(mode=0o600)
        partial.write_text(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):  # another process created it first: all use that one
            os.link(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path.read_text().strip()


def mint_service_token(secret: str, service: str, *, ttl_seconds: int = 60, client: str | None = None) -> str:
    """A token for ``service``; ``client`` is the address of the client the call is made for (the
    router's calls carry it: subgraphs believe no address header, see :func:`client_address`)."""
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": f"marketplace-{service}",
        "sub": f"service:{service}",
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    if client is not None:
        claims["client"] = client
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_service_token(token: str | None, secret: str, *, allowed: frozenset[str] | None = None) -> str:
    """The calling service's name; :class:`Unauthenticated` unless the token is valid (and allowed)."""
    service, _claims = service_token_claims(token, secret, allowed=allowed)
    return service


def service_token_claims(
    token: str | None, secret: str, *, allowed: frozenset[str] | None = None
) -> tuple[str, dict[str, object]]:
    """The calling service's name and the token's claims; :class:`Unauthenticated` unless valid."""
    if not token:
        raise Unauthenticated("this operation is internal")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            leeway=5,
            options={"require": ["exp", "iat", "sub", "aud", "jti"]},
        )
    except jwt.PyJWTError:
        raise Unauthenticated("invalid service token") from None
    subject = str(claims["sub"])
    service = subject.removeprefix("service:")
    if not subject.startswith("service:") or (allowed is not None and service not in allowed):
        raise Unauthenticated("this service may not call this operation")
    return service, claims


def client_address(token: str | None, secret: str | None, peer: str | None) -> str:
    """The address of the client a request is made for.

    The ``client`` claim of a valid router token when there is one, else the TCP peer. Never a
    header such as ``X-Forwarded-For``: anyone can send those, and a login throttle keyed on them
    is bypassed by sending a new value each time.
    """
    if token and secret:
        try:
            _service, claims = service_token_claims(token, secret, allowed=frozenset({"router"}))
        except Unauthenticated:
            pass
        else:
            client = claims.get("client")
            if isinstance(client, str) and client:
                return client
    return peer or "unknown"


def internal_secret(configured: str | None, data_dir: Path) -> str:
    """The configured internal secret, or the local one generated into the data folder."""
    return configured or load_or_create_secret(data_dir)
