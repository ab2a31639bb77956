"""The Ed25519 key ring: loading, generating once, rotating, publishing."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from servicekit.keys import KeyRing, KeyRingError, SigningKey, split_pems, thumbprint

pytestmark = pytest.mark.users


def test_the_kid_is_the_rfc7638_thumbprint() -> None:
    jwk = KeyRing.generate().active.jwk
    canonical = json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}, separators=(",", ":"))
    expected = base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
    assert jwk["kid"] == thumbprint(jwk) == expected
    assert set(jwk) == {"kty", "crv", "x", "kid", "alg", "use"}  # never the private "d"


def test_pems_round_trip_and_the_first_key_signs() -> None:
    newest, older = KeyRing.generate().active, KeyRing.generate().active
    text = newest.pem().decode() + "\n" + older.pem().decode()
    ring = KeyRing.from_pems(split_pems(text))
    assert [key.kid for key in ring.keys] == [newest.kid, older.kid]
    token = ring.sign({"sub": "x"})
    assert jwt.get_unverified_header(token)["kid"] == newest.kid
    assert [key["kid"] for key in ring.jwks()["keys"]] == [newest.kid, older.kid]
    public = jwt.PyJWK.from_dict(ring.jwks()["keys"][0])
    assert jwt.decode(token, public.key, algorithms=["EdDSA"]) == {"sub": "x"}


def test_bad_keys_are_refused_with_a_clear_message() -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    encrypted = (
        KeyRing.generate()
        .active.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
        .decode()
    )
    with pytest.raises(KeyRingError, match="not an Ed25519 key"):
        KeyRing.from_pems([ec_pem])
    with pytest.raises(KeyRingError, match="#1 is not a valid PEM"):
        KeyRing.from_pems([encrypted])
    with pytest.raises(KeyRingError, match="#2 is not a valid PEM"):
        KeyRing.from_pems([KeyRing.generate().active.pem().decode(), "-----BEGIN PRIVATE KEY-----\nxx\n-----END"])
    with pytest.raises(KeyRingError, match="no private key"):
        KeyRing.from_pems([])
    with pytest.raises(KeyRingError, match="no PEM block"):
        split_pems("just some text")
    assert split_pems("   ") == []


def test_a_folder_gets_one_key_and_keeps_it(tmp_path: Path) -> None:
    first = KeyRing.load_or_create(tmp_path / "keys")
    again = KeyRing.load_or_create(tmp_path / "keys")
    assert [key.kid for key in again.keys] == [first.active.kid]
    (pem,) = (tmp_path / "keys").glob("*.pem")
    assert pem.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_instances_starting_together_share_one_key(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    rings: list[KeyRing] = []
    threads = [threading.Thread(target=lambda: rings.append(KeyRing.load_or_create(folder))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({tuple(key.kid for key in ring.keys) for ring in rings}) == 1
    assert len(list(folder.glob("*.pem"))) == 1


def test_rotation_adds_a_newer_signing_key_and_keeps_publishing_the_old(tmp_path: Path) -> None:
    folder = tmp_path / "keys"
    old = KeyRing.load_or_create(folder).active
    new: SigningKey = KeyRing.add_key(folder)
    ring = KeyRing.load_or_create(folder)
    assert ring.active.kid == new.kid
    assert {key["kid"] for key in ring.jwks()["keys"]} == {old.kid, new.kid}
