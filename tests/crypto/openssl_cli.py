"""The ``openssl`` command line as an independent SM2 peer: its key files and its DER ciphertexts.

OpenSSL 3 writes and reads SM2 ciphertexts only in the GM/T 0009 DER form. Keys are handed to
it as DER files built from their published structure (SubjectPublicKeyInfo, SEC 1
ECPrivateKey on the curve OID 1.2.156.10197.1.301), so the test keys of the project are used.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

from ysj_protocol.crypto import sm2

_SM2_CURVE_OID = bytes.fromhex("06082a811ccf5501822d")
_EC_PUBLIC_KEY_OID = bytes.fromhex("06072a8648ce3d0201")


def _tlv(tag: int, body: bytes) -> bytes:
    assert len(body) < 0x80
    return bytes((tag, len(body))) + body


def public_key_der(key: sm2.PublicKey) -> bytes:
    """SubjectPublicKeyInfo of an SM2 public key."""
    algorithm = _tlv(0x30, _EC_PUBLIC_KEY_OID + _SM2_CURVE_OID)
    return _tlv(0x30, algorithm + _tlv(0x03, b"\x00" + key.to_bytes()))


def private_key_der(key: sm2.PrivateKey) -> bytes:
    """SEC 1 ECPrivateKey of an SM2 private key, with its curve and public point."""
    body = (
        _tlv(0x02, b"\x01")
        + _tlv(0x04, key.to_bytes())
        + _tlv(0xA0, _SM2_CURVE_OID)
        + _tlv(0xA1, _tlv(0x03, b"\x00" + key.public_key.to_bytes()))
    )
    return _tlv(0x30, body)


@cache
def openssl_can_encrypt_sm2() -> bool:
    """Whether an ``openssl`` 3 is on the path and encrypts with an SM2 key."""
    if shutil.which("openssl") is None:
        return False
    key = sm2.PrivateKey.generate()
    try:
        ciphertext = _pkeyutl_bytes(["-encrypt", "-pubin"], public_key_der(key.public_key), b"probe")
    except (OSError, subprocess.CalledProcessError):
        return False
    return sm2.decrypt_der(key, ciphertext) == b"probe"



def _pkeyutl_bytes(options: list[str], key_der: bytes, data: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "key.der"
        key_file.write_bytes(key_der)
        done = subprocess.run(
            ["openssl", "pkeyutl", *options, "-keyform", "DER", "-inkey", str(key_file)],
            input=data,
            capture_output=True,
            check=True,
            timeout=30,
        )
    return done.stdout


def openssl_encrypt(key: sm2.PublicKey, plaintext: bytes) -> bytes:
    """The DER ciphertext OpenSSL makes of ``plaintext`` for ``key`` (it refuses an empty one)."""
    return _pkeyutl_bytes(["-encrypt", "-pubin"], public_key_der(key), plaintext)


def openssl_decrypt(key: sm2.PrivateKey, ciphertext: bytes) -> bytes:
    """What OpenSSL reads from a DER ciphertext with ``key``; CalledProcessError if it refuses it."""
    return _pkeyutl_bytes(["-decrypt"], private_key_der(key), ciphertext)


requires_openssl = pytest.mark.skipif(not openssl_can_encrypt_sm2(), reason="no openssl 3 with SM2 encryption")
