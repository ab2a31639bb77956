"""TLS to ``https://`` subgraphs: the certificate authorities the router trusts and its client certificate.

Read from PEM files (``tls.subgraph`` in router.yaml, see docs/router.md) and checked when read, so a
missing file, a file without a certificate or a key that does not belong to its certificate stops
the start (or a reload) with a message naming the file, instead of failing every fetch later. The
authorities are trusted in addition to the system's; the client certificate is presented to a
subgraph that asks for one (mutual TLS). Both transports use the same settings: the fetcher's HTTP
client (pyreqwest) and the subscription WebSockets (aiohttp, through an ``ssl.SSLContext``).
"""

from __future__ import annotations

import functools
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization


class SubgraphTlsError(ValueError):
    """A TLS file that cannot be used; the message names the file and what is wrong with it."""


@dataclass(frozen=True, slots=True)
class SubgraphTls:
    """The TLS settings of one subgraph (equal settings compare equal, so they can share one client)."""

    certificate_authorities: tuple[bytes, ...] = ()  # PEM, one certificate each
    identity: bytes | None = None  # PEM: the client certificate chain, then its private key
    chain_file: str | None = None  # the same chain and key as files (``ssl`` loads a client certificate only so)
    key_file: str | None = None


@functools.lru_cache(maxsize=64)
def ssl_context(tls: SubgraphTls) -> ssl.SSLContext:
    """The same trust and client certificate for ``ssl`` clients (one context per distinct settings)."""
    context = ssl.create_default_context()  # the system's authorities, and the checked ones beside them
    if tls.certificate_authorities:
        context.load_verify_locations(cadata=b"".join(tls.certificate_authorities).decode())
    if tls.chain_file is not None:
        context.load_cert_chain(tls.chain_file, tls.key_file)
    return context


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SubgraphTlsError(f"cannot read {path}: {error.strerror or error}") from None


def _certificates(path: Path) -> list[x509.Certificate]:
    text = _read(path)
    try:
        found = x509.load_pem_x509_certificates(text)
    except ValueError:
        found = []
    if not found:
        raise SubgraphTlsError(f"{path} holds no PEM certificate")
    return found


def load_subgraph_tls(
    certificate_authorities: Path | None, certificate_chain: Path | None, key: Path | None
) -> SubgraphTls | None:
    """The settings from these files (``None`` when none is given); raises :class:`SubgraphTlsError`."""
    if certificate_authorities is None and certificate_chain is None:
        return None
    authorities: tuple[bytes, ...] = ()
    if certificate_authorities is not None:
        authorities = tuple(c.public_bytes(serialization.Encoding.PEM) for c in _certificates(certificate_authorities))
    identity = None
    if certificate_chain is not None:
        if key is None:
            raise SubgraphTlsError("a client certificate chain needs its key")
        chain = _certificates(certificate_chain)
        key_pem = _read(key)
        try:
            private_key = serialization.load_pem_private_key(key_pem, password=None)
        except (ValueError, TypeError) as error:
            raise SubgraphTlsError(f"{key} holds no unencrypted PEM private key ({error})") from None
        if private_key.public_key() != chain[0].public_key():
            raise SubgraphTlsError(f"the key in {key} does not belong to the first certificate in {certificate_chain}")
        pem = serialization.Encoding.PEM
        identity = b"".join(c.public_bytes(pem) for c in chain) + private_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    return SubgraphTls(
        certificate_authorities=authorities,
        identity=identity,
        chain_file=str(certificate_chain) if certificate_chain is not None else None,
        key_file=str(key) if key is not None else None,
    )
