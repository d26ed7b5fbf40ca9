"""SM2 encryption and decryption (GB/T 32918.4-2016): C1C3C2 by default, C3 always checked.

C1 is emitted as the uncompressed point with its ``04`` prefix unless asked otherwise;
:func:`decrypt` accepts C1 with or without it, telling the two forms apart by the point test
and the C3 check, never by looking for a "04" character. An encryption to a key used before
takes a precomputed ephemeral value when one is ready (``_precompute``).
"""

from __future__ import annotations

import hmac
import secrets

from .. import sm3 as _sm3
from ..errors import CryptoError, DecryptionError, InvalidCiphertextError
from ._curve import _COORD, N, _int_bytes, _mul, _mul_base, _mul_key, _on_curve
from ._keys import PrivateKey, PublicKey, _as_bytes, _check_private_key, _check_public_key, _unhex
from ._precompute import _take_ready

_C1_LEN = 1 + 2 * _COORD
_C3_LEN = 32
_ORDERS = ("C1C3C2", "C1C2C3")


def _check_order(order: str) -> str:
    if not isinstance(order, str) or order.upper() not in _ORDERS:
        raise CryptoError(f"SM2 ciphertext order must be 'C1C3C2' or 'C1C2C3', got {order!r}")
    return order.upper()


def _c3(x2: bytes, message: bytes, y2: bytes) -> bytes:
    h = _sm3.SM3Hash(x2)
    h.update(message)
    h.update(y2)
    return h.digest()


def _assemble(c1: bytes, z: bytes, plaintext: bytes, order: str, c1_prefix: bool) -> bytes | None:
    """The ciphertext from C1 (x1||y1) and z = x2||y2; None when KDF(z) is all zero."""
    c2, nonzero = _sm3._kdf_xor(z, plaintext)
    if plaintext and not nonzero:
        return None
    c3 = _c3(z[:_COORD], plaintext, z[_COORD:])
    if c1_prefix:
        c1 = b"\x04" + c1
    return c1 + c3 + c2 if order == "C1C3C2" else c1 + c2 + c3


def _encrypt_with_k(
    public_key: PublicKey,
    plaintext: bytes,
    k: int,
    *,
    order: str = "C1C3C2",
    c1_prefix: bool = True,
) -> bytes | None:
    """Encryption with a caller-chosen k: for the published vectors only, never for real data.

    Returns None when KDF(x2||y2) is all zero (the caller must pick another k).
    """
    public_key = _check_public_key(public_key)
    order = _check_order(order)
    if not 1 <= k < N:
        raise CryptoError("k must satisfy 1 <= k < n")
    x1, y1 = _mul_base(k)
    x2, y2 = _mul_key(k, (public_key.x, public_key.y))
    return _assemble(
        _int_bytes(x1) + _int_bytes(y1), _int_bytes(x2) + _int_bytes(y2), plaintext, order, c1_prefix
    )


def encrypt(
    public_key: PublicKey, plaintext: bytes, *, order: str = "C1C3C2", c1_prefix: bool = True
) -> bytes:
    """Encrypt for ``public_key``; C1 is 04||x||y (or x||y with ``c1_prefix=False``).

    An empty plaintext is allowed (the ciphertext is then C1 || C3). Uses a precomputed
    ephemeral value for the key when one is ready (see the module docstring).
    """
    plaintext = _as_bytes(plaintext, "plaintext")
    public_key = _check_public_key(public_key)
    order = _check_order(order)
    point = (public_key.x, public_key.y)
    while True:
        ready = _take_ready(point)
        if ready is not None:
            ciphertext = _assemble(ready[0], ready[1], plaintext, order, c1_prefix)
        else:
            k = secrets.randbelow(N - 1) + 1
            ciphertext = _encrypt_with_k(public_key, plaintext, k, order=order, c1_prefix=c1_prefix)
        # None: KDF output all zero for this message; that value is dropped, another is taken.
        if ciphertext is not None:
            return ciphertext


_UPPER_HEX = str.maketrans("abcdef", "ABCDEF")


def encrypt_hex(public_key: PublicKey, plaintext: bytes) -> str:
    """Upper-case hex of a C1C3C2 ciphertext with the 04 prefix: the ``encryptData`` form."""
    # str.translate has an ASCII fast path; str.upper() on a multi-megabyte hex string (a
    # certificate file in 12.1.10) costs three times as much.
    return encrypt(public_key, plaintext).hex().translate(_UPPER_HEX)


def _decrypt_layout(private_key: PrivateKey, data: bytes, c1_len: int, order: str) -> bytes:
    start = c1_len - 2 * _COORD
    x1 = int.from_bytes(data[start : start + _COORD], "big")
    y1 = int.from_bytes(data[start + _COORD : c1_len], "big")
    if not _on_curve(x1, y1):
        raise InvalidCiphertextError("SM2 ciphertext C1 is not a point on the curve")
    if order == "C1C3C2":
        c3 = data[c1_len : c1_len + _C3_LEN]
        c2 = data[c1_len + _C3_LEN :]
    else:
        c2 = data[c1_len:-_C3_LEN]
        c3 = data[-_C3_LEN:]
    x2, y2 = _mul(private_key._d, (x1, y1))
    x2b, y2b = _int_bytes(x2), _int_bytes(y2)
    message, nonzero = _sm3._kdf_xor(x2b + y2b, c2)
    if c2 and not nonzero:
        raise DecryptionError("SM2 decryption failed: KDF output is all zero")
    if not hmac.compare_digest(_c3(x2b, message, y2b), c3):
        raise DecryptionError("SM2 decryption failed: C3 mismatch (wrong key or altered ciphertext)")
    return message


def decrypt(private_key: PrivateKey, ciphertext: bytes, *, order: str = "C1C3C2") -> bytes:
    """Decrypt, checking C3; C1 may carry the 04 prefix or not.

    A leading 04 byte is first read as the prefix; if that C1 is not a curve point or C3
    does not match, the 64-byte form is tried (its x may itself start with 04). Raises
    InvalidCiphertextError for malformed input and DecryptionError when the check fails.
    """
    private_key = _check_private_key(private_key)
    data = _as_bytes(ciphertext, "ciphertext")
    order = _check_order(order)
    if len(data) < 2 * _COORD + _C3_LEN:
        raise InvalidCiphertextError(
            f"SM2 ciphertext too short: {len(data)} bytes, at least {2 * _COORD + _C3_LEN} needed"
        )
    layouts = [_C1_LEN] if data[0] == 0x04 and len(data) >= _C1_LEN + _C3_LEN else []
    layouts.append(2 * _COORD)
    check_failure: DecryptionError | None = None
    point_failure: InvalidCiphertextError | None = None
    for c1_len in layouts:
        try:
            return _decrypt_layout(private_key, data, c1_len, order)
        except InvalidCiphertextError as exc:
            point_failure = exc
        except DecryptionError as exc:
            check_failure = check_failure or exc
    # A reading whose C1 is a point but fails the check says more than one that is no point.
    raise check_failure or point_failure or InvalidCiphertextError("SM2 ciphertext is invalid")


def decrypt_hex(private_key: PrivateKey, text: str) -> bytes:
    """Decrypt hex text (either case, C1C3C2, C1 with or without 04).

    InvalidCiphertextError for anything that is not even-length hex of sufficient length,
    including non-string input, so that untrusted JSON values can be passed straight in.
    """
    if isinstance(text, str) and not text:
        raise InvalidCiphertextError("SM2 ciphertext is empty")
    data = _unhex(text, "SM2 ciphertext", InvalidCiphertextError)
    return decrypt(private_key, data)
