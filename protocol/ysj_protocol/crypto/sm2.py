"""SM2 public-key encryption and signatures (GB/T 32918.2/.4-2016) on the curve sm2p256v1.

Conventions used across the project (see the specification notes, section 12.1):

* Ciphertexts are ``C1 || C3 || C2`` by default (GB/T 32918.4-2016 order); ``C1C2C3`` (the
  older order, still gmssl's and Bouncy Castle's default) is available through ``order=``.
  C1 is emitted as the uncompressed point with its ``04`` prefix; :func:`decrypt` also accepts
  C1 without it, telling the two forms apart by the point test and the C3 check, never by
  looking for a "04" character.
* C3 is checked on every decryption, in constant time.
* Signatures use the user ID ``1234567812345678`` (GB/T 35276) unless one is passed, and are
  raw ``r || s`` (64 bytes) or DER; :func:`verify` accepts both and only ever returns a bool.
* The per-message secret k (encryption and signing) comes from :mod:`secrets`.

Point arithmetic: products with G, and with public keys used more than once, go through
precomputed comb tables in Python (about five times faster than a full multiplication); other
products (decryption's d*C1, first use of a key) run in the system's OpenSSL through ctypes
(its projective Montgomery ladder, GIL released; ``_openssl_ec``) or, where libcrypto lacks SM2,
in fastecdsa (C, GMP). This module validates every point itself.

Timing: NEITHER PATH IS CONSTANT-TIME. fastecdsa's scalar multiplication, the comb and
Python's integers all take time that depends on the scalar, so decryption, signing and key
derivation leak information about the private key and about k through their duration. The
threat model accepts this: SM2 private keys live on the hub's and the regional nodes' own
servers, reached only over the government network, with no untrusted code on those hosts, so
an attacker can only time requests remotely through that network. It is not acceptable on
hosts shared with untrusted tenants or where an attacker can time many private-key operations
from close by; there, use a constant-time implementation (an HSM, or OpenSSL/GmSSL's SM2).

Precomputed ephemeral values: the costly part of an encryption (C1 = k*G and k*P_B, about
1 ms of Python holding the GIL) does not depend on the message, only on k and the recipient's
key. For keys encrypted to repeatedly (from the second use on, the same policy as the per-key
comb tables) a daemon thread keeps a few ready values per key: C1 and x2||y2, never k itself.
:func:`encrypt` takes one when there is one (each is removed under a lock and used once) and
computes on the spot otherwise, so a call with a warm pool is only KDF, XOR and SM3; the
ciphertext is standard SM2 either way. A pool is refilled up to ``_POOL_HIGH`` values when it
drops below ``_POOL_LOW``, in the background, pausing between products so that request threads
get the GIL. A forked child drops every inherited value (``os.register_at_fork``; two processes
must never use the same k). ``YSJ_SM2_PRECOMPUTE=0`` (read at import) or
:func:`set_precompute` turns this off; it is on by default. A ready value is as secret as k
(x2||y2 decrypts its ciphertext), so it lives only in this process's memory.
"""

from __future__ import annotations

import atexit
import binascii
import hmac
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict, deque

from fastecdsa import curvemath

from . import _openssl_ec
from . import sm3 as _sm3
from .errors import CryptoError, DecryptionError, InvalidCiphertextError, InvalidKeyError, SignatureError

__all__ = [
    "DEFAULT_USER_ID",
    "PrivateKey",
    "PublicKey",
    "decode_der_signature",
    "decrypt",
    "decrypt_hex",
    "encode_der_signature",
    "encrypt",
    "encrypt_hex",
    "precompute_enabled",
    "ready_count",
    "set_precompute",
    "sign",
    "verify",
    "za",
]

DEFAULT_USER_ID = b"1234567812345678"

# sm2p256v1, GB/T 32918.5-2017.
P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0
# The cofactor is 1: every point on the curve other than infinity has order N.

_CURVE_ARGS = tuple(str(v) for v in (P, A, B, N, GX, GY))
_COORD = 32
_C1_LEN = 1 + 2 * _COORD
_C3_LEN = 32
_ORDERS = ("C1C3C2", "C1C2C3")

Point = tuple[int, int]


def _on_curve(x: int, y: int) -> bool:
    return 0 <= x < P and 0 <= y < P and (y * y - (x * x * x + A * x + B)) % P == 0


def _mul_fastecdsa(k: int, point: Point) -> Point:
    x, y = curvemath.mul(str(point[0]), str(point[1]), str(k), *_CURVE_ARGS)
    return int(x), int(y)


_openssl_checked = False


def _openssl_ready() -> bool:
    """Whether OpenSSL does the variable-base products; checked once against fastecdsa."""
    global _openssl_checked
    if not _openssl_checked:
        k = 0x5D2F8E6C1A3B4D7E9F0A1B2C3D4E5F60718293A4B5C6D7E8F9A0B1C2D3E4F506
        try:
            agrees = _openssl_ec.mul(k, GX, GY) == _mul_fastecdsa(k, (GX, GY))
        except (OSError, MemoryError):  # pragma: no cover - a broken libcrypto
            agrees = False
        if not agrees:
            _openssl_ec.disable()
        _openssl_checked = True
    return _openssl_ec.available()


def _mul(k: int, point: Point) -> Point:
    """k * point for a validated point and 1 <= k < N (the result is then never infinity)."""
    if 1 <= k < N and _openssl_ready():
        result = _openssl_ec.mul(k, point[0], point[1])
        if result is not None:
            return result
    return _mul_fastecdsa(k, point)


def _add(p1: Point | None, p2: Point | None) -> Point | None:
    """Affine addition with every special case (None is the point at infinity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    x1, y1 = p1
    x2, y2 = p2
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


# Fixed-base multiplication uses comb tables: row i holds j * 2^(w*i) * B for j = 1..2^w - 1,
# so k*B is one point addition per w-bit digit of k instead of a full double-and-add. The
# table for G (w = 6, about 0.5 MB) serves encryption's C1, signing and key derivation; keys
# used again and again (the regions' and registered systems' keys) get a smaller table each
# (w = 5) from their second use on, for encryption's k*P_B and verification's t*P_A. Products
# with a point seen once (decryption's d*C1) stay in fastecdsa.
_G_COMB_BITS = 6
_KEY_COMB_BITS = 5
_KEY_COMB_CACHE_SIZE = 16


class _Comb:
    """Fixed-base table for a point of order n (every valid point here: the cofactor is 1)."""

    __slots__ = ("_bits", "_rows")

    def __init__(self, base: Point, bits: int) -> None:
        self._bits = bits
        self._rows: list[list[Point]] = []
        bx, by = base
        for _ in range(-(-256 // bits)):
            row = [(bx, by, 1), _jacobian_double(bx, by, 1)]
            for _ in range(3, 1 << bits):
                row.append(_jacobian_add_affine(*row[-1], bx, by))
            # 2^bits * base becomes the next row's base; normalised together with this row.
            row.append(_jacobian_add_affine(*row[-1], bx, by))
            affine = _batch_to_affine(row)
            self._rows.append(affine[:-1])
            bx, by = affine[-1]

    def mul(self, k: int) -> Point:
        """k * base for 1 <= k < n.

        The running sum covers the digits below row i, so it is a multiple m*B with
        m < 2^(w*i) <= d * 2^(w*i) and m + d * 2^(w*i) <= k < n: the two addends are never
        equal, opposite or infinity, and the short addition formula is exact.
        """
        bits = self._bits
        mask = (1 << bits) - 1
        acc: tuple[int, int, int] | None = None
        row = 0
        while k:
            digit = k & mask
            if digit:
                x2, y2 = self._rows[row][digit - 1]
                acc = (x2, y2, 1) if acc is None else _jacobian_add_affine(*acc, x2, y2)
            k >>= bits
            row += 1
        if acc is None:
            raise CryptoError("k must satisfy 1 <= k < n")
        x, y, z = acc
        z_inv = pow(z, -1, P)
        z_inv2 = z_inv * z_inv % P
        return x * z_inv2 % P, y * z_inv2 * z_inv % P


def _batch_to_affine(points: list[tuple[int, int, int]]) -> list[Point]:
    """Montgomery's trick: one modular inversion for the whole list."""
    prefix = [1]
    for _, _, z in points:
        prefix.append(prefix[-1] * z % P)
    inv = pow(prefix[-1], -1, P)
    out: list[Point] = [(0, 0)] * len(points)
    for i in range(len(points) - 1, -1, -1):
        x, y, z = points[i]
        z_inv = inv * prefix[i] % P
        inv = inv * z % P
        z_inv2 = z_inv * z_inv % P
        out[i] = (x * z_inv2 % P, y * z_inv2 * z_inv % P)
    return out


def _jacobian_double(x1: int, y1: int, z1: int) -> tuple[int, int, int]:
    """2 * (x1:y1:z1) for a = -3 (y1 != 0 on this curve of prime order)."""
    delta = z1 * z1 % P
    gamma = y1 * y1 % P
    beta = x1 * gamma % P
    alpha = 3 * (x1 - delta) * (x1 + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y1 + z1) * (y1 + z1) - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _jacobian_add_affine(x1: int, y1: int, z1: int, x2: int, y2: int) -> tuple[int, int, int]:
    """(x1:y1:z1) + (x2, y2) for distinct points that are not each other's negatives."""
    z1z1 = z1 * z1 % P
    h = (x2 * z1z1 - x1) % P
    hh = h * h % P
    i = 4 * hh % P
    j = h * i % P
    r = 2 * (y2 * z1 * z1z1 - y1) % P
    v = x1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * y1 * j) % P
    z3 = ((z1 + h) * (z1 + h) - z1z1 - hh) % P
    return x3, y3, z3


_g_comb: _Comb | None = None
_key_combs: OrderedDict[Point, _Comb] = OrderedDict()  # most recently used last
_keys_seen: OrderedDict[Point, None] = OrderedDict()
_cache_lock = threading.Lock()


def _mul_base(k: int) -> Point:
    """k * G for 1 <= k < n (the table is built on first use, in about 20 ms)."""
    global _g_comb
    comb = _g_comb
    if comb is None:
        comb = _g_comb = _Comb((GX, GY), _G_COMB_BITS)
    return comb.mul(k)


def _mul_key(k: int, point: Point) -> Point:
    """k * a validated public-key point, 1 <= k < n: through a cached comb from its second use."""
    with _cache_lock:
        comb = _key_combs.get(point)
        if comb is not None:
            _key_combs.move_to_end(point)
        elif point not in _keys_seen:
            _keys_seen[point] = None
            while len(_keys_seen) > 4 * _KEY_COMB_CACHE_SIZE:
                _keys_seen.popitem(last=False)
            return _mul(k, point)
    if comb is None:
        comb = _Comb(point, _KEY_COMB_BITS)  # built outside the lock; a race only wastes work
        with _cache_lock:
            _key_combs[point] = comb
            while len(_key_combs) > _KEY_COMB_CACHE_SIZE:
                _key_combs.popitem(last=False)
    return comb.mul(k)


def _int_bytes(v: int) -> bytes:
    return v.to_bytes(_COORD, "big")


def _unhex(text: object, what: str, error: type[CryptoError]) -> bytes:
    if not isinstance(text, str):
        raise error(f"{what} must be a hex string, got {type(text).__name__}")
    if len(text) % 2:
        raise error(f"{what} has an odd number of hex digits ({len(text)})")
    try:
        return binascii.unhexlify(text)
    except (binascii.Error, ValueError):
        raise error(f"{what} is not hex") from None


class PublicKey:
    """An SM2 public key: a validated point on sm2p256v1 (never the point at infinity)."""

    __slots__ = ("_x", "_y")

    def __init__(self, x: int, y: int) -> None:
        if not isinstance(x, int) or not isinstance(y, int):
            raise InvalidKeyError("SM2 public key coordinates must be integers")
        if x == 0 and y == 0:
            raise InvalidKeyError("SM2 public key is the point at infinity")
        if not (0 <= x < P and 0 <= y < P):
            raise InvalidKeyError("SM2 public key coordinate out of range (must be below p)")
        if not _on_curve(x, y):
            raise InvalidKeyError("SM2 public key is not a point on the curve sm2p256v1")
        self._x = x
        self._y = y

    @classmethod
    def from_hex(cls, text: str) -> PublicKey:
        """Parse "04"+128 hex, 128 hex (x||y, no prefix) or compressed "02"/"03"+64 hex; any case.

        The form is decided by length and by the first byte's position only, so coordinates
        whose hex starts with 0 or 4 are never mistaken for a prefix.
        """
        if isinstance(text, str):
            text = text.strip()
        data = _unhex(text, "SM2 public key", InvalidKeyError)
        if len(data) not in (65, 64, 33):
            raise InvalidKeyError(
                "SM2 public key hex must have 130 digits (04||x||y), 128 digits (x||y) or "
                f"66 digits (02/03||x), got {len(text)}"
            )
        return cls.from_bytes(data)

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        """Parse 65 bytes (04||x||y), 64 bytes (x||y) or 33 bytes (02/03||x)."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise InvalidKeyError(f"SM2 public key must be bytes, got {type(data).__name__}")
        data = bytes(data)
        if len(data) == 65:
            if data[0] != 0x04:
                raise InvalidKeyError(f"65-byte SM2 public key must start with 04, got {data[0]:02X}")
            return cls(int.from_bytes(data[1:33], "big"), int.from_bytes(data[33:], "big"))
        if len(data) == 64:
            return cls(int.from_bytes(data[:32], "big"), int.from_bytes(data[32:], "big"))
        if len(data) == 33:
            if data[0] not in (0x02, 0x03):
                raise InvalidKeyError(f"33-byte SM2 public key must start with 02 or 03, got {data[0]:02X}")
            return cls._decompress(int.from_bytes(data[1:], "big"), data[0] & 1)
        raise InvalidKeyError(f"SM2 public key must be 65, 64 or 33 bytes, got {len(data)}")

    @classmethod
    def _decompress(cls, x: int, y_parity: int) -> PublicKey:
        if x >= P:
            raise InvalidKeyError("SM2 public key coordinate out of range (must be below p)")
        rhs = (x * x * x + A * x + B) % P
        y = pow(rhs, (P + 1) // 4, P)  # p = 3 (mod 4)
        if y * y % P != rhs:
            raise InvalidKeyError("compressed SM2 public key: x is not the abscissa of a curve point")
        if y & 1 != y_parity:
            y = P - y
        return cls(x, y)

    @property
    def x(self) -> int:
        return self._x

    @property
    def y(self) -> int:
        return self._y

    def to_bytes(self, prefix: bool = True) -> bytes:
        """Uncompressed encoding: 04||x||y (65 bytes), or x||y (64 bytes) without prefix."""
        body = _int_bytes(self._x) + _int_bytes(self._y)
        return b"\x04" + body if prefix else body

    def hex(self, prefix: bool = True) -> str:
        """Upper-case hex of :meth:`to_bytes`."""
        return self.to_bytes(prefix).hex().upper()

    def fingerprint(self) -> str:
        """SM3 hex of the 65-byte uncompressed point: the project's key identifier."""
        return _sm3.sm3_hex(self.to_bytes(True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return self._x == other._x and self._y == other._y

    def __hash__(self) -> int:
        return hash((self._x, self._y))

    def __repr__(self) -> str:
        return f"PublicKey.from_hex({self.hex()!r})"


class PrivateKey:
    """An SM2 private key d with 1 <= d <= n-2 (n-1 is excluded: signing needs (1+d)^-1)."""

    __slots__ = ("_d", "_public_key")

    def __init__(self, d: int) -> None:
        if not isinstance(d, int) or isinstance(d, bool):
            raise InvalidKeyError("SM2 private key must be an integer")
        if not 1 <= d <= N - 2:
            raise InvalidKeyError("SM2 private key out of range (must satisfy 1 <= d <= n-2)")
        self._d = d
        self._public_key: PublicKey | None = None

    @classmethod
    def generate(cls) -> PrivateKey:
        """A fresh key from the operating system's CSPRNG."""
        return cls(secrets.randbelow(N - 2) + 1)

    @classmethod
    def from_int(cls, d: int) -> PrivateKey:
        return cls(d)

    @classmethod
    def from_hex(cls, text: str) -> PrivateKey:
        """Exactly 64 hex digits (zero-padded, any case)."""
        if isinstance(text, str):
            text = text.strip()
            if len(text) != 64:
                raise InvalidKeyError(
                    f"SM2 private key hex must be exactly 64 digits (zero-padded), got {len(text)}"
                )
        return cls(int.from_bytes(_unhex(text, "SM2 private key", InvalidKeyError), "big"))

    @classmethod
    def from_bytes(cls, data: bytes) -> PrivateKey:
        """Exactly 32 bytes, big-endian."""
        if not isinstance(data, bytes | bytearray | memoryview) or len(data) != 32:
            raise InvalidKeyError("SM2 private key must be exactly 32 bytes")
        return cls(int.from_bytes(data, "big"))

    def to_bytes(self) -> bytes:
        return _int_bytes(self._d)

    def hex(self) -> str:
        """64 upper-case hex digits."""
        return self.to_bytes().hex().upper()

    @property
    def public_key(self) -> PublicKey:
        if self._public_key is None:
            self._public_key = PublicKey(*_mul_base(self._d))
        return self._public_key

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PrivateKey):
            return NotImplemented
        return hmac.compare_digest(self.to_bytes(), other.to_bytes())

    def __hash__(self) -> int:
        return hash(self.public_key)

    def __repr__(self) -> str:
        # Never the key itself: reprs end up in logs and tracebacks.
        return f"<SM2 PrivateKey for public key {self.public_key.fingerprint()[:16]}>"


def _check_order(order: str) -> str:
    if not isinstance(order, str) or order.upper() not in _ORDERS:
        raise CryptoError(f"SM2 ciphertext order must be 'C1C3C2' or 'C1C2C3', got {order!r}")
    return order.upper()


def _check_public_key(public_key: object) -> PublicKey:
    if not isinstance(public_key, PublicKey):
        raise TypeError(f"expected an SM2 PublicKey, got {type(public_key).__name__}")
    return public_key


def _check_private_key(private_key: object) -> PrivateKey:
    if not isinstance(private_key, PrivateKey):
        raise TypeError(f"expected an SM2 PrivateKey, got {type(private_key).__name__}")
    return private_key


def _as_bytes(data: object, what: str) -> bytes:
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"{what} must be bytes, got {type(data).__name__}")
    return bytes(data)


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


# --- Precomputed ephemeral values ---------------------------------------------------------------
# Pools are keyed by the public-key point, most recently used last; each holds (C1, x2||y2)
# pairs, 64 bytes each. _filling holds the keys the refill thread is bringing back up to
# _POOL_HIGH. _pool_generation changes whenever values are dropped (off switch, fork), so
# that a value computed before the drop is never added after it.
_POOL_HIGH = 8
_POOL_LOW = 4
_POOL_KEYS = _KEY_COMB_CACHE_SIZE
_REFILL_DELAY = 0.002  # after a wake-up: let the burst of encryptions that caused it finish
_REFILL_PAUSE = 0.0002  # after each product: a real sleep, so that a waiting thread takes the GIL
_REFILL_ERROR_PAUSE = 1.0
_OFF_VALUES = {"0", "false", "no", "off"}

_log = logging.getLogger(__name__)
# k for pooled values comes from the OS CSPRNG like secrets.randbelow; a separate instance, so
# that a test faking secrets.randbelow in the foreground can never seed the pools.
_pool_random = secrets.SystemRandom()
_precompute = os.environ.get("YSJ_SM2_PRECOMPUTE", "1").strip().lower() not in _OFF_VALUES
_pool_lock = threading.Lock()
_pools: OrderedDict[Point, deque[tuple[bytes, bytes]]] = OrderedDict()
_filling: set[Point] = set()
_pool_generation = 0
_pool_pid = os.getpid()
_refill_wake = threading.Event()
_refill_thread: threading.Thread | None = None
_stopping = False


def precompute_enabled() -> bool:
    """Whether :func:`encrypt` uses precomputed ephemeral values (``YSJ_SM2_PRECOMPUTE``)."""
    return _precompute


def set_precompute(enabled: bool) -> None:
    """Turn precomputation on or off; turning it off drops every ready value at once."""
    global _precompute
    _precompute = bool(enabled)
    if not _precompute:
        _drop_ready()


def ready_count(public_key: PublicKey | None = None) -> int:
    """Ready values for ``public_key``, or for all keys: for diagnostics and tests."""
    with _pool_lock:
        if _pool_pid != os.getpid():
            return 0
        if public_key is None:
            return sum(len(pool) for pool in _pools.values())
        pool = _pools.get((public_key.x, public_key.y))
        return 0 if pool is None else len(pool)


def _drop_ready() -> None:
    """Forget every ready value and every pool (values being computed are discarded too)."""
    global _pool_generation
    with _pool_lock:
        _pools.clear()
        _filling.clear()
        _pool_generation += 1


def _take_ready(point: Point) -> tuple[bytes, bytes] | None:
    """Remove and return a ready value for ``point``, or None: the caller computes on the spot.

    A key gets a pool from its second use on (it is then in the comb cache's records).
    """
    if not _precompute:
        return None
    refill = False
    with _pool_lock:
        if _pool_pid != os.getpid():
            # A fork that skipped the at-fork hooks: nothing inherited may be used.
            _reset_after_fork()
            return None
        pool = _pools.get(point)
        if pool is None:
            if point not in _keys_seen and point not in _key_combs:
                return None  # first use; the on-the-spot path records the key
            pool = _pools[point] = deque()
            while len(_pools) > _POOL_KEYS:
                evicted, _ = _pools.popitem(last=False)
                _filling.discard(evicted)
        else:
            _pools.move_to_end(point)
        ready = pool.popleft() if pool else None
        if len(pool) < _POOL_LOW and point not in _filling:
            _filling.add(point)
            refill = True
    if refill:
        _wake_refill()
    return ready


def _make_ready(point: Point, k: int, pause: float = 0.0) -> tuple[bytes, bytes]:
    """(x1||y1, x2||y2) for k; k itself is not kept. ``pause`` seconds of sleep between products.

    The key's comb is used when there is one, without counting as a use in its LRU order.
    Both points are checked here, off the critical path, so that a fault in the tables can
    never turn into an undecryptable ciphertext.
    """
    x1, y1 = _mul_base(k)
    if pause:
        time.sleep(pause)
    comb = _key_combs.get(point)
    x2, y2 = comb.mul(k) if comb is not None else _mul(k, point)
    if not (_on_curve(x1, y1) and _on_curve(x2, y2)):
        raise CryptoError("precomputed SM2 value is not on the curve")
    return _int_bytes(x1) + _int_bytes(y1), _int_bytes(x2) + _int_bytes(y2)


def _put_ready(point: Point, ready: tuple[bytes, bytes], generation: int) -> bool:
    """Add a value computed under ``generation``; False when it was dropped instead."""
    with _pool_lock:
        if generation != _pool_generation or not _precompute:
            return False
        pool = _pools.get(point)
        if pool is None or len(pool) >= _POOL_HIGH:
            return False
        pool.append(ready)
        return True


def _fill_pool(public_key: PublicKey, count: int = _POOL_HIGH) -> int:
    """Add up to ``count`` values for a key now, in this thread: for benchmarks and tests.

    The pool is created if needed; returns how many values were added (none when off).
    """
    point = (public_key.x, public_key.y)
    with _pool_lock:
        if not _precompute:
            return 0
        if point not in _pools:
            _pools[point] = deque()
        generation = _pool_generation
    added = 0
    for _ in range(count):
        if not _put_ready(point, _make_ready(point, _pool_random.randrange(1, N)), generation):
            break
        added += 1
    return added


def _next_refill() -> tuple[Point, int] | None:
    """The emptiest pool still below its high-water mark, with the current generation."""
    with _pool_lock:
        if not _precompute or _stopping or _pool_pid != os.getpid():
            return None
        best: Point | None = None
        best_len = _POOL_HIGH
        for point in list(_filling):
            pool = _pools.get(point)
            if pool is None or len(pool) >= _POOL_HIGH:
                _filling.discard(point)
            elif len(pool) < best_len:
                best, best_len = point, len(pool)
        return None if best is None else (best, _pool_generation)


def _refill_loop() -> None:
    """The daemon thread: wait for a wake-up, then top up the pools one value at a time."""
    while not _stopping:
        _refill_wake.wait()
        _refill_wake.clear()
        try:
            time.sleep(_REFILL_DELAY)
            while (job := _next_refill()) is not None:
                point, generation = job
                try:
                    ready = _make_ready(point, _pool_random.randrange(1, N), _REFILL_PAUSE)
                except Exception:
                    _log.exception("SM2 precomputation failed; this key's pool is left as it is")
                    with _pool_lock:
                        _filling.discard(point)
                    time.sleep(_REFILL_ERROR_PAUSE)
                    continue
                _put_ready(point, ready, generation)
                time.sleep(_REFILL_PAUSE)
        except Exception:  # pragma: no cover - the loop itself must never die
            _log.exception("SM2 precomputation loop failed; continuing")
            time.sleep(_REFILL_ERROR_PAUSE)


def _wake_refill() -> None:
    """Wake the refill thread, starting it on first need (daemon: never delays exit)."""
    global _refill_thread
    thread = _refill_thread
    if thread is None or not thread.is_alive():
        with _pool_lock:
            thread = _refill_thread
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=_refill_loop, name="sm2-precompute", daemon=True)
                try:
                    thread.start()
                except RuntimeError:  # interpreter shutting down: encrypt on the spot
                    return
                _refill_thread = thread
    _refill_wake.set()


def _reset_after_fork() -> None:
    """In a forked child: drop every inherited value and every lock a parent thread may hold.

    The parent's refill thread does not exist in the child; a new one starts on first need.
    """
    global _pool_lock, _pools, _filling, _pool_generation, _pool_pid
    global _refill_wake, _refill_thread, _cache_lock
    _pool_lock = threading.Lock()
    _pools = OrderedDict()
    _filling = set()
    _pool_generation += 1
    _pool_pid = os.getpid()
    _refill_wake = threading.Event()
    _refill_thread = None
    # Not pool state, but a parent thread could hold it at fork time and the child would block.
    _cache_lock = threading.Lock()


def _stop_refill() -> None:
    """At exit: the refill thread stops at its next check (it is a daemon; nothing waits for it)."""
    global _stopping
    _stopping = True
    _refill_wake.set()


os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(_stop_refill)


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
