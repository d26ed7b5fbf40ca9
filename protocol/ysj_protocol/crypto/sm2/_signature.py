"""SM2 signatures (GB/T 32918.2-2016) with the GB/T 35276 default user ID, raw r||s or DER.

:func:`verify` accepts both encodings and only ever returns a bool, so that untrusted input
can be checked without guarding against exceptions.
"""

from __future__ import annotations

import secrets

from .. import sm3 as _sm3
from ..errors import CryptoError, SignatureError
from ._curve import GX, GY, A, B, N, _add, _int_bytes, _mul_base, _mul_key
from ._keys import PrivateKey, PublicKey, _as_bytes, _check_private_key, _check_public_key

DEFAULT_USER_ID = b"1234567812345678"


def _check_user_id(user_id: bytes) -> bytes:
    user_id = _as_bytes(user_id, "user_id")
    if len(user_id) * 8 > 0xFFFF:
        raise CryptoError("SM2 user ID longer than 8191 bytes")
    return user_id


def za(public_key: PublicKey, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA), the signer's identity hash."""
    public_key = _check_public_key(public_key)
    user_id = _check_user_id(user_id)
    return _sm3.sm3_digest(
        (len(user_id) * 8).to_bytes(2, "big")
        + user_id
        + b"".join(_int_bytes(v) for v in (A, B, GX, GY, public_key.x, public_key.y))
    )


def _message_digest(public_key: PublicKey, message: bytes, user_id: bytes) -> int:
    h = _sm3.SM3Hash(za(public_key, user_id))
    h.update(message)
    return int.from_bytes(h.digest(), "big")


def encode_der_signature(signature: bytes) -> bytes:
    """DER ``SEQUENCE { r INTEGER, s INTEGER }`` from a raw 64-byte r||s."""
    signature = _as_bytes(signature, "signature")
    if len(signature) != 64:
        raise SignatureError(f"raw SM2 signature must be 64 bytes, got {len(signature)}")
    body = b"".join(_der_integer(int.from_bytes(part, "big")) for part in (signature[:32], signature[32:]))
    return b"\x30" + bytes([len(body)]) + body


def _der_integer(v: int) -> bytes:
    content = v.to_bytes(v.bit_length() // 8 + 1, "big")  # leading zero when the top bit is set
    return b"\x02" + bytes([len(content)]) + content


def _der_read_integer(data: bytes, pos: int) -> tuple[int, int]:
    if pos + 2 > len(data) or data[pos] != 0x02:
        raise SignatureError("DER signature: INTEGER expected")
    length = data[pos + 1]
    start, end = pos + 2, pos + 2 + length
    if length == 0 or length > 33 or end > len(data):
        raise SignatureError("DER signature: bad INTEGER length")
    content = data[start:end]
    if content[0] & 0x80:
        raise SignatureError("DER signature: negative INTEGER")
    if length > 1 and content[0] == 0 and not content[1] & 0x80:
        raise SignatureError("DER signature: INTEGER not minimally encoded")
    return int.from_bytes(content, "big"), end


def decode_der_signature(der: bytes) -> bytes:
    """Raw 64-byte r||s from a strict-DER signature; SignatureError on anything else."""
    der = _as_bytes(der, "signature")
    if len(der) < 2 or der[0] != 0x30 or der[1] & 0x80 or der[1] != len(der) - 2:
        raise SignatureError("DER signature: bad SEQUENCE header or trailing data")
    r, pos = _der_read_integer(der, 2)
    s, pos = _der_read_integer(der, pos)
    if pos != len(der):
        raise SignatureError("DER signature: trailing data inside SEQUENCE")
    if not (1 <= r < N and 1 <= s < N):
        raise SignatureError("DER signature: r or s out of range")
    return _int_bytes(r) + _int_bytes(s)


def _sign_with_k(
    private_key: PrivateKey,
    message: bytes,
    k: int,
    *,
    user_id: bytes = DEFAULT_USER_ID,
    der: bool = False,
) -> bytes | None:
    """Signature with a caller-chosen k: for the published vectors only, never for real data.

    Returns None when this k must be rejected (r = 0, r + k = n or s = 0).
    """
    private_key = _check_private_key(private_key)
    message = _as_bytes(message, "message")
    if not 1 <= k < N:
        raise CryptoError("k must satisfy 1 <= k < n")
    e = _message_digest(private_key.public_key, message, user_id)
    d = private_key._d
    x1, _ = _mul_base(k)
    r = (e + x1) % N
    if r == 0 or r + k == N:
        return None
    s = pow(1 + d, -1, N) * (k - r * d) % N
    if s == 0:
        return None
    raw = _int_bytes(r) + _int_bytes(s)
    return encode_der_signature(raw) if der else raw


def sign(
    private_key: PrivateKey, message: bytes, *, user_id: bytes = DEFAULT_USER_ID, der: bool = False
) -> bytes:
    """SM2 signature of ``message`` (hashed with Z_A for ``user_id``): raw r||s, or DER."""
    while True:
        k = secrets.randbelow(N - 1) + 1
        signature = _sign_with_k(private_key, message, k, user_id=user_id, der=der)
        if signature is not None:
            return signature


def _signature_candidates(signature: object) -> list[tuple[int, int]]:
    if not isinstance(signature, bytes | bytearray | memoryview):
        return []
    data = bytes(signature)
    candidates = []
    if len(data) == 64:
        candidates.append((int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big")))
    if data[:1] == b"\x30":
        # A raw r||s may begin with 0x30 too; each reading is verified on its own.
        try:
            raw = decode_der_signature(data)
        except SignatureError:
            pass
        else:
            candidates.append((int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")))
    return candidates


def verify(
    public_key: PublicKey, message: bytes, signature: bytes, *, user_id: bytes = DEFAULT_USER_ID
) -> bool:
    """True iff ``signature`` (raw 64 bytes or DER) is valid; False, never an exception, otherwise."""
    public_key = _check_public_key(public_key)
    message = _as_bytes(message, "message")
    candidates = _signature_candidates(signature)
    if not candidates:
        return False
    e = _message_digest(public_key, message, user_id)
    q = (public_key.x, public_key.y)
    for r, s in candidates:
        if not (1 <= r < N and 1 <= s < N):
            continue
        t = (r + s) % N
        if t == 0:
            continue
        point = _add(_mul_base(s), _mul_key(t, q))
        if point is not None and (e + point[0]) % N == r:
            return True
    return False
