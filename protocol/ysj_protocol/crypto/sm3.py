"""SM3 hash (GB/T 32905-2016), HMAC-SM3 and the SM2 key derivation function.

Two engines produce identical results:

* ``native``: the optional C extension ``ysj_protocol.crypto._sm3`` built by setup.py at install
  time (vectorised message expansion on x86-64 CPUs with AVX2/BMI2, portable C elsewhere). It
  exists because SM2 envelopes carry certificate files of several MiB and both the hash and the
  KDF loop are on that path.
* ``openssl``: OpenSSL's SM3 through :mod:`hashlib` (or through ``cryptography`` when the
  system OpenSSL lacks SM3), used when the extension is not built. Slower, same results.

:func:`backend_name` says which one is active; the test suite runs the vectors through both.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

try:
    from . import _sm3 as _native_module
except ImportError:  # the extension is optional (no compiler at install time)
    _native_module = None

__all__ = [
    "BLOCK_SIZE",
    "DIGEST_SIZE",
    "SM3Hash",
    "backend_name",
    "hmac_sm3",
    "kdf",
    "sm3_digest",
    "sm3_hex",
]

DIGEST_SIZE = 32
BLOCK_SIZE = 64
#: The KDF counter is 32 bits wide and starts at 1 (GB/T 32918.4, 5.4.3).
KDF_MAX_LENGTH = 0xFFFFFFFF * DIGEST_SIZE


class _HashObject(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def digest(self) -> bytes: ...
    def copy(self) -> _HashObject: ...


class _Backend(Protocol):
    name: str

    def new(self) -> _HashObject: ...
    def digest(self, data: bytes) -> bytes: ...
    def kdf(self, z: bytes, length: int) -> bytes: ...
    def kdf_xor(self, z: bytes, data: bytes) -> tuple[bytes, bool]: ...


class _NativeBackend:
    """The C extension: one call per operation, GIL released on large inputs."""

    def __init__(self, module: object) -> None:
        self._module = module
        self.new = module.SM3  # type: ignore[attr-defined]
        self.digest = module.digest  # type: ignore[attr-defined]
        self.kdf = module.kdf  # type: ignore[attr-defined]
        self.kdf_xor = module.kdf_xor  # type: ignore[attr-defined]

    @property
    def name(self) -> str:
        return f"native-{self._module.implementation()}"  # type: ignore[attr-defined]


class _CryptographySM3:
    """hashlib-style adapter over ``cryptography``'s SM3, for OpenSSL builds without it in hashlib."""

    __slots__ = ("_ctx",)

    def __init__(self) -> None:
        from cryptography.hazmat.primitives import hashes

        self._ctx = hashes.Hash(hashes.SM3())

    def update(self, data: bytes, /) -> None:
        if isinstance(data, str):
            raise TypeError("strings must be encoded before hashing")
        self._ctx.update(data)

    def digest(self) -> bytes:
        return self._ctx.copy().finalize()

    def copy(self) -> _CryptographySM3:
        other = _CryptographySM3.__new__(_CryptographySM3)
        other._ctx = self._ctx.copy()
        return other


class _OpenSSLBackend:
    """OpenSSL's SM3; the KDF reuses the state after ``z`` and copies it per counter."""

    name = "openssl"

    def __init__(self) -> None:
        self._hashlib = "sm3" in hashlib.algorithms_available

    def new(self) -> _HashObject:
        if self._hashlib:
            return hashlib.new("sm3")
        return _CryptographySM3()

    def digest(self, data: bytes) -> bytes:
        h = self.new()
        h.update(data)
        return h.digest()

    def kdf(self, z: bytes, length: int) -> bytes:
        _check_kdf_length(length)
        base = self.new()
        base.update(z)
        blocks = []
        for counter in range(1, -(-length // DIGEST_SIZE) + 1):
            h = base.copy()
            h.update(counter.to_bytes(4, "big"))
            blocks.append(h.digest())
        return b"".join(blocks)[:length]

    def kdf_xor(self, z: bytes, data: bytes) -> tuple[bytes, bool]:
        stream = self.kdf(z, len(data))
        if not data:
            return b"", False
        mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
        return mixed.to_bytes(len(data), "big"), stream.count(0) != len(stream)


def _check_kdf_length(length: int) -> None:
    if not isinstance(length, int) or isinstance(length, bool):
        raise TypeError("KDF length must be an int")
    if length < 0:
        raise ValueError("KDF length must not be negative")
    if length > KDF_MAX_LENGTH:
        raise ValueError("KDF length exceeds the 32-bit counter range")


_OPENSSL_BACKEND: _Backend = _OpenSSLBackend()
_NATIVE_BACKEND: _Backend | None = _NativeBackend(_native_module) if _native_module is not None else None
# Looked up at call time, so the tests can run everything through either engine.
_backend: _Backend = _NATIVE_BACKEND or _OPENSSL_BACKEND


def backend_name() -> str:
    """Name of the active SM3 engine ("native-avx2", "native-portable" or "openssl")."""
    return _backend.name


def sm3_digest(data: bytes) -> bytes:
    """SM3 digest (32 bytes) of ``data``."""
    return _backend.digest(data)


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lower-case hex digits."""
    return _backend.digest(data).hex()


class SM3Hash:
    """Streaming SM3 with the hashlib interface, for files too large to hold twice in memory."""

    name = "sm3"
    digest_size = DIGEST_SIZE
    block_size = BLOCK_SIZE

    __slots__ = ("_h",)

    def __init__(self, data: bytes = b"") -> None:
        self._h = _backend.new()
        if data:
            self._h.update(data)

    def update(self, data: bytes) -> None:
        """Absorb more data."""
        self._h.update(data)

    def digest(self) -> bytes:
        """Digest of everything absorbed so far; the object stays usable."""
        return self._h.digest()

    def hexdigest(self) -> str:
        """Digest as lower-case hex."""
        return self._h.digest().hex()

    def copy(self) -> SM3Hash:
        """Independent copy, e.g. to hash a common prefix once."""
        other = SM3Hash.__new__(SM3Hash)
        other._h = self._h.copy()
        return other


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC (RFC 2104) with SM3; keys longer than the 64-byte block are hashed first."""
    key = bytes(key)
    if len(key) > BLOCK_SIZE:
        key = _backend.digest(key)
    key = key.ljust(BLOCK_SIZE, b"\x00")
    inner = _backend.new()
    inner.update(key.translate(_IPAD))
    inner.update(data)
    outer = _backend.new()
    outer.update(key.translate(_OPAD))
    outer.update(inner.digest())
    return outer.digest()


def kdf(z: bytes, length: int) -> bytes:
    """The SM2 KDF (ANSI X9.63 style): SM3(z || ct) for ct = 1, 2, ... truncated to ``length`` bytes."""
    _check_kdf_length(length)
    return _backend.kdf(z, length)


def _kdf_xor(z: bytes, data: bytes) -> tuple[bytes, bool]:
    """``data`` XOR KDF(z, len(data)), and whether that key stream had a non-zero bit (SM2 step A5/B4)."""
    _check_kdf_length(len(data))
    return _backend.kdf_xor(z, data)
