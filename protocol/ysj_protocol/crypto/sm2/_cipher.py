"""SM2 encryption and decryption (GB/T 32918.4-2016): C1C3C2 by default, C3 always checked.

C1 is emitted as the uncompressed point with its ``04`` prefix unless asked otherwise;
:func:`decrypt` accepts C1 with or without it, telling the two forms apart by the point test
and the C3 check, never by looking for a "04" character. A ciphertext whose C3 verifies only in
the other component order raises :class:`CiphertextOrderError`, so that a peer still on the old
C1C2C3 order is told so rather than told its key is wrong. The GM/T 0009 DER form
(``SEQUENCE {x, y, hash, ciphertext}``, what OpenSSL 3, GmSSL and Bouncy Castle emit) is read by
:func:`decrypt_der` and :func:`decrypt_any` and written by :func:`encrypt_der`. An encryption to
a key used before takes a precomputed ephemeral value when one is ready (``_precompute``).
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


class CiphertextOrderError(DecryptionError):
    """The C3 check fails in the order asked for but passes in the other one.

    The key is right and the ciphertext intact: the sender put the components in ``found``
    order. The plaintext is not returned; the sender must re-encrypt in the agreed order.
    """

    def __init__(self, found: str) -> None:
        self.found = found
        super().__init__(f"SM2 ciphertext components are in {found} order")


def _other_order(order: str) -> str:
    return _ORDERS[1] if order == _ORDERS[0] else _ORDERS[0]


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


def _shared_z(private_key: PrivateKey, x1: int, y1: int) -> bytes:
    """x2||y2 = [d]C1, after checking that C1 is a curve point."""
    if not _on_curve(x1, y1):
        raise InvalidCiphertextError("SM2 ciphertext C1 is not a point on the curve")
    x2, y2 = _mul(private_key._d, (x1, y1))
    return _int_bytes(x2) + _int_bytes(y2)


def _recover(z: bytes, c3: bytes, c2: bytes) -> bytes | None:
    """The message if C3 verifies for (C3, C2) under z; None otherwise."""
    message, nonzero = _sm3._kdf_xor(z, c2)
    if c2 and not nonzero:
        return None
    return message if hmac.compare_digest(_c3(z[:_COORD], message, z[_COORD:]), c3) else None


def _split(data: bytes, c1_len: int, order: str) -> tuple[bytes, bytes]:
    """(C3, C2) of a raw ciphertext whose C1 takes ``c1_len`` bytes."""
    if order == "C1C3C2":
        return data[c1_len : c1_len + _C3_LEN], data[c1_len + _C3_LEN :]
    return data[-_C3_LEN:], data[c1_len:-_C3_LEN]


def _decrypt_layout(private_key: PrivateKey, data: bytes, c1_len: int, order: str) -> bytes:
    start = c1_len - 2 * _COORD
    x1 = int.from_bytes(data[start : start + _COORD], "big")
    y1 = int.from_bytes(data[start + _COORD : c1_len], "big")
    z = _shared_z(private_key, x1, y1)
    c3, c2 = _split(data, c1_len, order)
    message, nonzero = _sm3._kdf_xor(z, c2)
    if c2 and not nonzero:
        raise DecryptionError("SM2 decryption failed: KDF output is all zero")
    if hmac.compare_digest(_c3(z[:_COORD], message, z[_COORD:]), c3):
        return message
    # Only on the failure path, and without a second scalar multiplication: the same z read in
    # the other order tells a peer on the old order from a wrong key or an altered ciphertext.
    other = _other_order(order)
    if _recover(z, *_split(data, c1_len, other)) is not None:
        raise CiphertextOrderError(other)
    raise DecryptionError("SM2 decryption failed: C3 mismatch (wrong key or altered ciphertext)")


def decrypt(private_key: PrivateKey, ciphertext: bytes, *, order: str = "C1C3C2") -> bytes:
    """Decrypt, checking C3; C1 may carry the 04 prefix or not.

    A leading 04 byte is first read as the prefix; if that C1 is not a curve point or C3
    does not match, the 64-byte form is tried (its x may itself start with 04). Raises
    InvalidCiphertextError for malformed input, CiphertextOrderError when C3 verifies only in
    the other order, and DecryptionError when the check fails.
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
        except CiphertextOrderError as exc:
            check_failure = exc  # says the most: the key is right, the order is not
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


# --------------------------------------------------------------------------- GM/T 0009 DER form
_DER_SEQUENCE = 0x30
_DER_INTEGER = 0x02
_DER_OCTET_STRING = 0x04
#: Long-form lengths up to 2**32 - 1: far above any envelope body the providers accept.
_DER_MAX_LENGTH_OCTETS = 4


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes((length,))
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(octets),)) + octets


def _der_unsigned(value: int) -> bytes:
    """A non-negative INTEGER, minimally encoded (a leading 00 when the top bit is set)."""
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return bytes((_DER_INTEGER,)) + _der_length(len(body)) + body


def _der_element(data: bytes, pos: int, tag: int, what: str) -> tuple[int, int]:
    """(start, end) of the contents of the element of ``tag`` at ``pos``."""
    if pos + 2 > len(data) or data[pos] != tag:
        raise InvalidCiphertextError(f"SM2 DER ciphertext: {what} expected")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= _DER_MAX_LENGTH_OCTETS or pos + count > len(data):
            raise InvalidCiphertextError(f"SM2 DER ciphertext: bad length of {what}")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > len(data):
        raise InvalidCiphertextError(f"SM2 DER ciphertext: {what} runs past the end")
    return pos, pos + length


def _der_coordinate(data: bytes, pos: int, what: str) -> tuple[int, int]:
    """A coordinate of C1 and the position after it.

    Read as an unsigned magnitude: minimal DER (a leading 00 when the top bit is set, fewer than
    32 bytes when the value is small) and encoders that always write 32 or 33 bytes alike. The
    point test and the C3 check decide whether the value is right.
    """
    start, end = _der_element(data, pos, _DER_INTEGER, what)
    if start == end or end - start > _COORD + 1 or (end - start == _COORD + 1 and data[start] != 0):
        raise InvalidCiphertextError(f"SM2 DER ciphertext: {what} is not a 256-bit coordinate")
    return int.from_bytes(data[start:end], "big"), end


def _parse_der(data: bytes) -> tuple[int, int, bytes, bytes]:
    """(x1, y1, C3, C2) of ``SEQUENCE {INTEGER x, INTEGER y, OCTET STRING hash, OCTET STRING ciphertext}``."""
    start, end = _der_element(data, 0, _DER_SEQUENCE, "SEQUENCE")
    if end != len(data):
        raise InvalidCiphertextError("SM2 DER ciphertext: data after the SEQUENCE")
    x1, pos = _der_coordinate(data, start, "INTEGER x")
    y1, pos = _der_coordinate(data, pos, "INTEGER y")
    c3_start, c3_end = _der_element(data, pos, _DER_OCTET_STRING, "OCTET STRING hash")
    if c3_end - c3_start != _C3_LEN:
        raise InvalidCiphertextError("SM2 DER ciphertext: hash is not 32 bytes")
    c2_start, c2_end = _der_element(data, c3_end, _DER_OCTET_STRING, "OCTET STRING ciphertext")
    if c2_end != end:
        raise InvalidCiphertextError("SM2 DER ciphertext: data after the ciphertext inside the SEQUENCE")
    return x1, y1, data[c3_start:c3_end], data[c2_start:c2_end]


def encode_der_ciphertext(ciphertext: bytes) -> bytes:
    """The DER form of a raw C1C3C2 ciphertext whose C1 carries the 04 prefix."""
    data = _as_bytes(ciphertext, "ciphertext")
    if len(data) < _C1_LEN + _C3_LEN or data[0] != 0x04:
        raise InvalidCiphertextError("SM2 ciphertext must be 04||x||y||C3||C2 to be DER-encoded")
    c3 = data[_C1_LEN : _C1_LEN + _C3_LEN]
    c2 = data[_C1_LEN + _C3_LEN :]
    body = b"".join(
        (
            _der_unsigned(int.from_bytes(data[1 : 1 + _COORD], "big")),
            _der_unsigned(int.from_bytes(data[1 + _COORD : _C1_LEN], "big")),
            bytes((_DER_OCTET_STRING,)) + _der_length(len(c3)),
            c3,
            bytes((_DER_OCTET_STRING,)) + _der_length(len(c2)),
        )
    )
    return b"".join((bytes((_DER_SEQUENCE,)), _der_length(len(body) + len(c2)), body, c2))


def decode_der_ciphertext(der: bytes) -> bytes:
    """The raw C1C3C2 form (04||x||y||C3||C2) of a DER ciphertext; InvalidCiphertextError if malformed."""
    x1, y1, c3, c2 = _parse_der(_as_bytes(der, "ciphertext"))
    return b"\x04" + _int_bytes(x1) + _int_bytes(y1) + c3 + c2


def encrypt_der(public_key: PublicKey, plaintext: bytes) -> bytes:
    """Encrypt for ``public_key`` in the GM/T 0009 DER form (the form OpenSSL 3 reads)."""
    return encode_der_ciphertext(encrypt(public_key, plaintext))


def decrypt_der(private_key: PrivateKey, der: bytes) -> bytes:
    """Decrypt the GM/T 0009 DER form, checking C3.

    InvalidCiphertextError when the bytes are not that structure or C1 is not a curve point,
    DecryptionError when the check fails.
    """
    private_key = _check_private_key(private_key)
    x1, y1, c3, c2 = _parse_der(_as_bytes(der, "ciphertext"))
    message = _recover(_shared_z(private_key, x1, y1), c3, c2)
    if message is None:
        raise DecryptionError("SM2 decryption failed: C3 mismatch (wrong key or altered ciphertext)")
    return message


def decrypt_any(private_key: PrivateKey, ciphertext: bytes) -> tuple[bytes, bool]:
    """Decrypt a ciphertext in any form a peer sends; the plaintext and whether it was DER.

    DER is tried first when the bytes start with a SEQUENCE tag; a raw ciphertext without the
    04 prefix starts with that byte too once in 256, so when the DER reading fails the raw one is
    tried. If both fail, a raw ciphertext in the other component order is told as such (its C3
    verified: the sender's mistake is certain); otherwise the DER reading's error is reported.
    """
    private_key = _check_private_key(private_key)
    data = _as_bytes(ciphertext, "ciphertext")
    if data[:1] != bytes((_DER_SEQUENCE,)):
        return decrypt(private_key, data), False
    try:
        return decrypt_der(private_key, data), True
    except DecryptionError as der_failure:
        try:
            return decrypt(private_key, data), False
        except CiphertextOrderError:
            raise
        except DecryptionError:
            raise der_failure from None
