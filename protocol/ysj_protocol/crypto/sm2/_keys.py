"""SM2 key pairs: parsing and encoding of public and private keys, each validated on creation.

A public key is always a point on sm2p256v1 other than infinity, whatever form it arrived in;
a private key's repr never shows the key, since reprs end up in logs and tracebacks.
"""

from __future__ import annotations

import binascii
import hmac
import secrets

from .. import sm3 as _sm3
from ..errors import CryptoError, InvalidKeyError
from ._curve import A, B, N, P, _int_bytes, _mul_base, _on_curve


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
