"""Interoperability with gmssl (PyPI 3.2.2), the reference peers use; never used at runtime.

gmssl quirks handled here, not in the library: its constructor ``lstrip("04")``s the public key
hex, eating any leading 0/4 digits of x, so keys are set on the object directly; its ciphertext
is C1 without the 04 prefix; mode=1 is C1C3C2 (its default 0 is C1C2C3); its decrypt does not
check C3; and its sign API takes k as hex, which we draw from ``secrets``.
"""

from __future__ import annotations

import os
import secrets

import pytest
from gmssl.sm2 import CryptSM2

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import DecryptionError

from .sm2_data import AWKWARD_KEYS, ENC_C1, ENC_C2, ENC_C3, ENC_MESSAGE, PUB_X_STARTS_04, vector_key

KEY_NAMES = [*sorted(AWKWARD_KEYS), "random"]
_RANDOM_KEY = sm2.PrivateKey.generate()


def private_key(name: str) -> sm2.PrivateKey:
    return _RANDOM_KEY if name == "random" else sm2.PrivateKey.from_hex(AWKWARD_KEYS[name])


def gmssl_for(key: sm2.PrivateKey, *, mode: int = 1, asn1: bool = False) -> CryptSM2:
    crypt = CryptSM2(private_key=key.hex(), public_key="", mode=mode, asn1=asn1)
    crypt.public_key = key.public_key.hex(prefix=False)  # bypass the constructor's lstrip("04")
    return crypt


def gmssl_k() -> str:
    return format(secrets.randbelow(sm2.N - 1) + 1, "064x")


def test_gmssl_constructor_mangles_prefixed_keys() -> None:
    """Why the helper above sets the key itself: the constructor strips characters, not a prefix."""
    mangled = CryptSM2(private_key="", public_key=PUB_X_STARTS_04).public_key
    assert mangled != PUB_X_STARTS_04[2:]
    assert len(mangled) < 128


@pytest.mark.parametrize("length", [1, 19, 1000])
@pytest.mark.parametrize("name", KEY_NAMES)
def test_gmssl_encrypts_we_decrypt(name: str, length: int) -> None:
    key = private_key(name)
    message = os.urandom(length)
    # gmssl answers None when KDF(x2||y2) is all zero for the message (for one byte, once in 256):
    # the standard says pick another k, which its next call does.
    ciphertext = next(filter(None, (gmssl_for(key).encrypt(message) for _ in range(8))))
    assert len(ciphertext) == 64 + 32 + length  # C1 without 04
    assert sm2.decrypt(key, ciphertext) == message
    assert sm2.decrypt_hex(key, ciphertext.hex()) == message
    assert sm2.decrypt(key, b"\x04" + ciphertext) == message


@pytest.mark.parametrize("length", [1, 19, 1000])
@pytest.mark.parametrize("name", KEY_NAMES)
def test_we_encrypt_gmssl_decrypts(name: str, length: int) -> None:
    key = private_key(name)
    message = os.urandom(length)
    crypt = gmssl_for(key)
    assert crypt.decrypt(sm2.encrypt(key.public_key, message, c1_prefix=False)) == message
    # The envelope form: gmssl peers must drop the leading 04 byte of C1.
    assert crypt.decrypt(bytes.fromhex(sm2.encrypt_hex(key.public_key, message))[1:]) == message


def test_c1c2c3_order_both_ways() -> None:
    key = vector_key()
    crypt = gmssl_for(key, mode=0)
    message = b"order C1C2C3"
    assert sm2.decrypt(key, crypt.encrypt(message), order="C1C2C3") == message
    assert crypt.decrypt(sm2.encrypt(key.public_key, message, order="C1C2C3", c1_prefix=False)) == message


def test_gmssl_decrypts_the_published_vector() -> None:
    """C1.x of the vector begins with 04; without the prefix it must still be read as x."""
    assert gmssl_for(vector_key()).decrypt(ENC_C1[1:] + ENC_C3 + ENC_C2) == ENC_MESSAGE


def test_tampered_c3_accepted_by_gmssl_rejected_by_us() -> None:
    key = vector_key()
    ciphertext = bytearray(gmssl_for(key).encrypt(b"integrity matters"))
    ciphertext[64] ^= 0xFF  # first byte of C3
    assert gmssl_for(key).decrypt(bytes(ciphertext)) == b"integrity matters"
    with pytest.raises(DecryptionError):
        sm2.decrypt(key, bytes(ciphertext))


@pytest.mark.parametrize("name", KEY_NAMES)
def test_gmssl_signs_we_verify(name: str) -> None:
    key = private_key(name)
    message = b"certificate " + name.encode()
    signature_hex = gmssl_for(key).sign_with_sm3(message, gmssl_k())
    assert sm2.verify(key.public_key, message, bytes.fromhex(signature_hex))
    assert not sm2.verify(key.public_key, message + b".", bytes.fromhex(signature_hex))


@pytest.mark.parametrize("name", KEY_NAMES)
def test_we_sign_gmssl_verifies(name: str) -> None:
    key = private_key(name)
    message = b"certificate " + name.encode()
    crypt = gmssl_for(key)
    assert crypt.verify_with_sm3(sm2.sign(key, message).hex(), message)
    assert not crypt.verify_with_sm3(sm2.sign(key, message).hex(), message + b".")


def test_der_signatures_both_ways() -> None:
    key = vector_key()
    crypt = gmssl_for(key, asn1=True)
    der_hex = crypt.sign_with_sm3(b"der", gmssl_k())
    assert sm2.verify(key.public_key, b"der", bytes.fromhex(der_hex))
    assert crypt.verify_with_sm3(sm2.sign(key, b"der", der=True).hex(), b"der")
