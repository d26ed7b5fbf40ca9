"""Exceptions of the SM2/SM3/SM4 layer.

They all derive from ValueError so that callers validating untrusted input with a plain
``except ValueError`` stay correct, while the envelope code can tell a bad key
(configuration problem) from a bad ciphertext (caller problem) from a failed integrity check.
"""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "DecryptionError",
    "InvalidCiphertextError",
    "InvalidKeyError",
    "SignatureError",
]


class CryptoError(ValueError):
    """Base class of every error raised by ysj_protocol.crypto."""


class InvalidKeyError(CryptoError):
    """A key (or key encoding) is malformed, out of range or not on the curve."""


class DecryptionError(CryptoError):
    """A ciphertext could not be decrypted: wrong key, tampering, or failed integrity check."""


class InvalidCiphertextError(DecryptionError):
    """A ciphertext is structurally invalid: not hex, truncated, or C1 is not a curve point."""


class SignatureError(CryptoError):
    """A signature encoding is malformed (verification itself reports False, never raises)."""
