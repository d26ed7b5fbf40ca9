"""Point arithmetic on sm2p256v1: the curve, validated products, and the fixed-base comb tables.

Products with G, and with public keys used more than once, go through precomputed comb tables
in Python; other products (decryption's d*C1, first use of a key) run in the system's OpenSSL
through ctypes (its projective Montgomery ladder, GIL released; ``_openssl_ec``) or, where
libcrypto lacks SM2, in fastecdsa (C, GMP). None of it is constant-time (see the package
docstring for the threat model).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from fastecdsa import curvemath

from .. import _openssl_ec
from ..errors import CryptoError

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
# with a point seen once (decryption's d*C1) go through :func:`_mul`.
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
    """k * G for 1 <= k < n (the table is built on first use)."""
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


def _is_repeated_key(point: Point) -> bool:
    """Whether ``point`` was multiplied before: from its second use on a key gets a comb and a pool."""
    return point in _keys_seen or point in _key_combs


def _mul_key_quietly(k: int, point: Point) -> Point:
    """k * point through the key's comb when it has one, without counting as a use in its LRU order."""
    comb = _key_combs.get(point)
    return comb.mul(k) if comb is not None else _mul(k, point)


def _int_bytes(v: int) -> bytes:
    return v.to_bytes(_COORD, "big")


def _reset_after_fork() -> None:
    """In a forked child: a parent thread could hold the cache lock at fork time."""
    global _cache_lock
    _cache_lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)
