"""SM4 block cipher (GB/T 32907-2016) in GCM and CBC modes, via OpenSSL (``cryptography``).

GCM is the mode for anything this project stores or sends (11.4: certificate files are stored
encrypted): it authenticates, and ``gcm_decrypt`` refuses any altered byte. Its blob layout is
``nonce (12) || ciphertext || tag (16)`` so one value carries everything needed to decrypt.

CBC with PKCS#7 exists for peers that require it. It is not authenticated: wrap it in a MAC
(e.g. :func:`ysj_protocol.crypto.sm3.hmac_sm3`, encrypt-then-MAC) and never report padding
errors to a remote party differently from other failures.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import CryptoError, DecryptionError, InvalidCiphertextError, InvalidKeyError

__all__ = [
    "BLOCK_SIZE",
    "GCM_NONCE_SIZE",
    "GCM_TAG_SIZE",
    "KEY_SIZE",
    "cbc_decrypt",
    "cbc_encrypt",
    "encrypt_block",
    "gcm_decrypt",
    "gcm_encrypt",
]

KEY_SIZE = 16
BLOCK_SIZE = 16
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16


def _algorithm(key: bytes) -> algorithms.SM4:
    if not isinstance(key, bytes | bytearray | memoryview):
        raise InvalidKeyError(f"SM4 key must be bytes, got {type(key).__name__}")
    if len(key) != KEY_SIZE:
        raise InvalidKeyError(f"SM4 key must be {KEY_SIZE} bytes, got {len(key)}")
    return algorithms.SM4(bytes(key))


def encrypt_block(key: bytes, block: bytes) -> bytes:
    """Encrypt one 16-byte block (ECB), for the standard's vectors; not a mode for real data."""
    if len(block) != BLOCK_SIZE:
        raise CryptoError(f"SM4 block must be {BLOCK_SIZE} bytes, got {len(block)}")
    encryptor = Cipher(_algorithm(key), modes.ECB()).encryptor()  # noqa: S305 - single-block primitive
    return encryptor.update(bytes(block)) + encryptor.finalize()


def gcm_encrypt(key: bytes, plaintext: bytes, *, aad: bytes = b"", nonce: bytes | None = None) -> bytes:
    """Encrypt and authenticate; returns nonce(12) || ciphertext || tag(16).

    The nonce is random by default. Pass one only for test vectors or when a nonce scheme
    guarantees uniqueness: reusing a nonce under one key breaks GCM completely.
    """
    algorithm = _algorithm(key)
    if nonce is None:
        nonce = secrets.token_bytes(GCM_NONCE_SIZE)
    elif len(nonce) != GCM_NONCE_SIZE:
        raise CryptoError(f"SM4-GCM nonce must be {GCM_NONCE_SIZE} bytes, got {len(nonce)}")
    nonce = bytes(nonce)
    encryptor = Cipher(algorithm, modes.GCM(nonce)).encryptor()
    if aad:
        encryptor.authenticate_additional_data(bytes(aad))
    body = encryptor.update(bytes(plaintext)) + encryptor.finalize()
    return nonce + body + encryptor.tag


def gcm_decrypt(key: bytes, blob: bytes, *, aad: bytes = b"") -> bytes:
    """Verify and decrypt a :func:`gcm_encrypt` blob; DecryptionError on any change or wrong key/aad."""
    algorithm = _algorithm(key)
    blob = bytes(blob)
    if len(blob) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
        raise InvalidCiphertextError(
            f"SM4-GCM blob must be at least {GCM_NONCE_SIZE + GCM_TAG_SIZE} bytes, got {len(blob)}"
        )
    nonce = blob[:GCM_NONCE_SIZE]
    body = blob[GCM_NONCE_SIZE:-GCM_TAG_SIZE]
    tag = blob[-GCM_TAG_SIZE:]
    decryptor = Cipher(algorithm, modes.GCM(nonce, tag)).decryptor()
    if aad:
        decryptor.authenticate_additional_data(bytes(aad))
    plaintext = decryptor.update(body)
    try:
        return plaintext + decryptor.finalize()
    except InvalidTag:
        raise DecryptionError("SM4-GCM authentication failed: wrong key or data altered") from None


def _check_iv(iv: bytes) -> bytes:
    if len(iv) != BLOCK_SIZE:
        raise CryptoError(f"SM4-CBC IV must be {BLOCK_SIZE} bytes, got {len(iv)}")
    return bytes(iv)


def cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    """CBC with PKCS#7 padding (always adds 1..16 bytes). The IV must be unpredictable."""
    algorithm = _algorithm(key)
    padder = padding.PKCS7(BLOCK_SIZE * 8).padder()
    padded = padder.update(bytes(plaintext)) + padder.finalize()
    encryptor = Cipher(algorithm, modes.CBC(_check_iv(iv))).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    """Inverse of :func:`cbc_encrypt`; DecryptionError on bad padding (see the module note)."""
    algorithm = _algorithm(key)
    ciphertext = bytes(ciphertext)
    if not ciphertext or len(ciphertext) % BLOCK_SIZE:
        raise InvalidCiphertextError(
            f"SM4-CBC ciphertext must be a non-empty multiple of {BLOCK_SIZE} bytes, got {len(ciphertext)}"
        )
    decryptor = Cipher(algorithm, modes.CBC(_check_iv(iv))).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_SIZE * 8).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionError("SM4-CBC padding is invalid: wrong key/IV or data altered") from None


def _iterate_block(key: bytes, block: bytes, rounds: int) -> bytes:
    """``block`` encrypted ``rounds`` times in a row (the GB/T 32907 million-round vector).

    CBC over zero blocks with IV = block computes exactly E(E(...E(block))), so OpenSSL
    runs the chain instead of a Python loop of single-block calls.
    """
    encryptor = Cipher(_algorithm(key), modes.CBC(_check_iv(block))).encryptor()
    chunk_blocks = 65536
    last = bytes(block)
    remaining = rounds
    while remaining:
        n = min(remaining, chunk_blocks)
        out = encryptor.update(bytes(BLOCK_SIZE * n))
        last = out[-BLOCK_SIZE:]
        remaining -= n
    encryptor.finalize()
    return last
