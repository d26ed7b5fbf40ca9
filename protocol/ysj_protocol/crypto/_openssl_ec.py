"""Variable-base scalar multiplication on sm2p256v1 through the system's OpenSSL (libcrypto).

Decryption's d*C1 multiplies a point seen once, so no table helps; fastecdsa does it with an
affine ladder (one modular inversion per step, holding the GIL). OpenSSL's ``EC_POINT_mul``
for a single point and no generator term runs its Montgomery ladder in projective coordinates
(several times faster, and it does not depend on the scalar's bit pattern the way fastecdsa's
does), and ctypes releases the GIL for the call, so a hub decrypting several region
answers at once uses both cores.

Loaded lazily through ctypes; :func:`available` is False when libcrypto is missing, lacks the SM2
curve (``OPENSSL_NO_SM2``) or fails the known-answer check at load time, and the caller then
keeps fastecdsa. ``YSJ_SM2_OPENSSL=0`` turns it off.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading

NID_SM2 = 1172
_COORD = 32

_lock = threading.Lock()
_lib: ctypes.CDLL | None = None
_loaded = False
_local = threading.local()


def _bind(lib: ctypes.CDLL) -> None:
    vp = ctypes.c_void_p
    signatures = {
        "EC_GROUP_new_by_curve_name": ([ctypes.c_int], vp),
        "EC_GROUP_free": ([vp], None),
        "EC_POINT_new": ([vp], vp),
        "EC_POINT_free": ([vp], None),
        "EC_POINT_set_affine_coordinates": ([vp, vp, vp, vp, vp], ctypes.c_int),
        "EC_POINT_get_affine_coordinates": ([vp, vp, vp, vp, vp], ctypes.c_int),
        "EC_POINT_mul": ([vp, vp, vp, vp, vp, vp], ctypes.c_int),
        "BN_CTX_new": ([], vp),
        "BN_CTX_free": ([vp], None),
        "BN_bin2bn": ([ctypes.c_char_p, ctypes.c_int, vp], vp),
        "BN_bn2binpad": ([vp, ctypes.c_char_p, ctypes.c_int], ctypes.c_int),
        "BN_clear_free": ([vp], None),
        "BN_free": ([vp], None),
    }
    for name, (argtypes, restype) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = argtypes
        function.restype = restype


def _load() -> ctypes.CDLL | None:
    if os.environ.get("YSJ_SM2_OPENSSL", "1").strip().lower() in {"0", "false", "no", "off"}:
        return None
    name = ctypes.util.find_library("crypto")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        _bind(lib)
    except (OSError, AttributeError):
        return None
    group = lib.EC_GROUP_new_by_curve_name(NID_SM2)
    if not group:
        return None
    lib.EC_GROUP_free(group)
    return lib


def _library() -> ctypes.CDLL | None:
    global _lib, _loaded
    if not _loaded:
        with _lock:
            if not _loaded:
                _lib = _load()
                _loaded = True
    return _lib


def _group(lib: ctypes.CDLL) -> int:
    """This thread's EC_GROUP (kept for the thread's life: groups are cheap and never mutated)."""
    group = getattr(_local, "group", None)
    if group is None:
        group = lib.EC_GROUP_new_by_curve_name(NID_SM2)
        if not group:
            raise MemoryError("EC_GROUP_new_by_curve_name failed")
        _local.group = group
    return group


def mul(k: int, x: int, y: int) -> tuple[int, int] | None:
    """k * (x, y) for a point on the curve and 1 <= k < n; None if OpenSSL is not usable here.

    The point must already be validated by the caller (OpenSSL checks it again and refuses a
    point off the curve, which is then reported as None too).
    """
    lib = _library()
    if lib is None:
        return None
    raw_x, raw_y, raw_k = x.to_bytes(_COORD, "big"), y.to_bytes(_COORD, "big"), k.to_bytes(_COORD, "big")
    group = _group(lib)
    ctx = lib.BN_CTX_new()
    bx = lib.BN_bin2bn(raw_x, _COORD, None)
    by = lib.BN_bin2bn(raw_y, _COORD, None)
    scalar = lib.BN_bin2bn(raw_k, _COORD, None)
    point = lib.EC_POINT_new(group)
    result = lib.EC_POINT_new(group)
    try:
        if not (ctx and bx and by and scalar and point and result):
            raise MemoryError("OpenSSL allocation failed")
        if lib.EC_POINT_set_affine_coordinates(group, point, bx, by, ctx) != 1:
            return None
        if lib.EC_POINT_mul(group, result, None, point, scalar, ctx) != 1:
            return None
        if lib.EC_POINT_get_affine_coordinates(group, result, bx, by, ctx) != 1:
            return None
        out_x = ctypes.create_string_buffer(_COORD)
        out_y = ctypes.create_string_buffer(_COORD)
        if lib.BN_bn2binpad(bx, out_x, _COORD) != _COORD or lib.BN_bn2binpad(by, out_y, _COORD) != _COORD:
            return None
        return int.from_bytes(out_x.raw, "big"), int.from_bytes(out_y.raw, "big")
    finally:
        lib.EC_POINT_free(result)
        lib.EC_POINT_free(point)
        lib.BN_clear_free(scalar)
        lib.BN_free(by)
        lib.BN_free(bx)
        lib.BN_CTX_free(ctx)


def available() -> bool:
    return _library() is not None


def disable() -> None:
    """Use fastecdsa from now on (the known-answer check failed, or a test asks for it)."""
    global _lib, _loaded
    with _lock:
        _lib, _loaded = None, True
