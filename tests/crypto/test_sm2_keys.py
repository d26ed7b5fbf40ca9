"""SM2 key parsing and encoding: every accepted form, every rejection, and no key in reprs."""

from __future__ import annotations

import pytest

from ysj_protocol.crypto import sm2, sm3
from ysj_protocol.crypto.errors import CryptoError, InvalidKeyError

from .sm2_data import AWKWARD_KEYS, PUB_X_STARTS_04, VECTOR_D, VECTOR_PX, VECTOR_PY, vector_key

VECTOR_PUB = "04" + VECTOR_PX + VECTOR_PY


def test_vector_public_key_is_derived() -> None:
    public = vector_key().public_key
    assert public.hex() == VECTOR_PUB
    assert public.x == int(VECTOR_PX, 16)
    assert public.y == int(VECTOR_PY, 16)


@pytest.mark.parametrize(
    "text",
    [
        VECTOR_PUB,
        VECTOR_PUB.lower(),
        VECTOR_PX + VECTOR_PY,  # no prefix: begins with "09"
        (VECTOR_PX + VECTOR_PY).lower(),
        ("03" if int(VECTOR_PY, 16) & 1 else "02") + VECTOR_PX,
        f"  {VECTOR_PUB}\n",
    ],
)
def test_public_key_hex_forms(text: str) -> None:
    assert sm2.PublicKey.from_hex(text) == vector_key().public_key


@pytest.mark.parametrize("name", sorted(AWKWARD_KEYS))
def test_awkward_public_keys_survive_every_form(name: str) -> None:
    public = sm2.PrivateKey.from_hex(AWKWARD_KEYS[name]).public_key
    full = public.hex()
    bare = public.hex(prefix=False)
    assert full == "04" + bare and len(bare) == 128
    compressed = ("03" if public.y & 1 else "02") + bare[:64]
    for text in (full, bare, full.lower(), bare.lower(), compressed):
        assert sm2.PublicKey.from_hex(text) == public
    assert sm2.PublicKey.from_bytes(public.to_bytes()) == public
    assert sm2.PublicKey.from_bytes(public.to_bytes(prefix=False)) == public


def test_x_starting_with_04_is_not_taken_for_a_prefix() -> None:
    public = sm2.PublicKey.from_hex(PUB_X_STARTS_04)
    bare = PUB_X_STARTS_04[2:]
    assert bare.startswith("04")
    assert sm2.PublicKey.from_hex(bare) == public
    assert public.hex(prefix=False) == bare
    assert public.x == int(bare[:64], 16)


def test_public_key_encodings() -> None:
    public = vector_key().public_key
    assert public.to_bytes() == bytes.fromhex(VECTOR_PUB)
    assert public.to_bytes(prefix=False) == bytes.fromhex(VECTOR_PUB[2:])
    assert public.hex(prefix=False) == VECTOR_PUB[2:]
    assert public.hex() == public.hex().upper()
    assert public.fingerprint() == sm3.sm3_hex(bytes.fromhex(VECTOR_PUB))
    assert VECTOR_PUB in repr(public)


def test_public_key_equality_and_hash() -> None:
    a = sm2.PublicKey.from_hex(VECTOR_PUB)
    b = sm2.PublicKey.from_hex(VECTOR_PUB[2:].lower())
    other = sm2.PrivateKey.generate().public_key
    assert a == b and hash(a) == hash(b)
    assert a != other
    assert len({a, b, other}) == 2
    assert a != VECTOR_PUB


def _off_curve() -> str:
    return VECTOR_PX + format(int(VECTOR_PY, 16) ^ 1, "064X")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("04" + _off_curve(), "not a point on the curve"),
        (_off_curve(), "not a point on the curve"),
        ("00" * 64, "infinity"),
        ("04" + "00" * 64, "infinity"),
        ("00", "digits"),
        ("04" + "FF" * 64, "out of range"),
        ("05" + VECTOR_PX + VECTOR_PY, "must start with 04"),
        # 128 digits are x||y whatever they begin with: here that is not a curve point.
        ("04" + VECTOR_PX + VECTOR_PY[:-2], "not a point on the curve"),
        (VECTOR_PUB + "00", "digits"),
        (VECTOR_PUB[:-1], "odd"),
        ("04" + "ZZ" * 64, "not hex"),
        ("04" + VECTOR_PX + " " + VECTOR_PY[1:], "not hex"),
        ("04" + VECTOR_PX, "must start with 02 or 03"),
        ("04" + VECTOR_PX + "00", "digits"),
        ("02" + "FF" * 32, "out of range"),
        ("", "digits"),
    ],
)
def test_invalid_public_keys_rejected(text: str, message: str) -> None:
    with pytest.raises(InvalidKeyError, match=message):
        sm2.PublicKey.from_hex(text)


def test_compressed_point_with_no_curve_point_rejected() -> None:
    # Find an x for which x^3 + ax + b is not a square: no point has that abscissa.
    x = 1
    while pow((x**3 + sm2.A * x + sm2.B) % sm2.P, (sm2.P - 1) // 2, sm2.P) == 1:
        x += 1
    with pytest.raises(InvalidKeyError, match="not the abscissa"):
        sm2.PublicKey.from_hex("02" + format(x, "064X"))


@pytest.mark.parametrize("value", [None, 42, b"04" * 65])
def test_public_key_from_hex_rejects_non_text(value: object) -> None:
    with pytest.raises(InvalidKeyError):
        sm2.PublicKey.from_hex(value)  # type: ignore[arg-type]


def test_public_key_from_bytes_rejects_bad_input() -> None:
    for data in (b"", b"\x04" * 10, b"\x04" + b"\x00" * 64, b"\x06" + bytes.fromhex(VECTOR_PUB)[1:]):
        with pytest.raises(InvalidKeyError):
            sm2.PublicKey.from_bytes(data)
    with pytest.raises(InvalidKeyError):
        sm2.PublicKey.from_bytes(VECTOR_PUB)  # type: ignore[arg-type]


def test_public_key_constructor_validates() -> None:
    with pytest.raises(InvalidKeyError):
        sm2.PublicKey(1, 2)
    with pytest.raises(InvalidKeyError):
        sm2.PublicKey(0, 0)
    assert sm2.PublicKey(sm2.GX, sm2.GY).x == sm2.GX


def test_private_key_round_trip_and_case() -> None:
    key = sm2.PrivateKey.from_hex(VECTOR_D.lower())
    assert key.hex() == VECTOR_D
    assert sm2.PrivateKey.from_hex(key.hex()) == key
    assert sm2.PrivateKey.from_int(int(VECTOR_D, 16)) == key
    assert sm2.PrivateKey.from_bytes(key.to_bytes()) == key
    assert len(key.to_bytes()) == 32


def test_private_keys_with_leading_zeros_keep_64_digits() -> None:
    key = sm2.PrivateKey.from_int(1)
    assert key.hex() == "0" * 63 + "1"
    assert key.public_key == sm2.PublicKey(sm2.GX, sm2.GY)
    assert sm2.PrivateKey.from_hex("0" * 63 + "1") == key


@pytest.mark.parametrize(
    "text",
    [
        "0" * 64,  # zero
        format(sm2.N - 1, "064X"),  # n-1: 1 + d has no inverse
        format(sm2.N, "064X"),
        "F" * 64,
        VECTOR_D[1:],  # 63 digits
        "0" + VECTOR_D,  # 65 digits
        VECTOR_D[:-1] + "G",
        "",
    ],
)
def test_invalid_private_keys_rejected(text: str) -> None:
    with pytest.raises(InvalidKeyError):
        sm2.PrivateKey.from_hex(text)


@pytest.mark.parametrize("value", [0, -1, sm2.N - 1, sm2.N, True, 1.0, "1"])
def test_invalid_private_key_integers_rejected(value: object) -> None:
    with pytest.raises(InvalidKeyError):
        sm2.PrivateKey.from_int(value)  # type: ignore[arg-type]


def test_largest_private_key_is_usable() -> None:
    key = sm2.PrivateKey.from_int(sm2.N - 2)
    assert sm2.decrypt(key, sm2.encrypt(key.public_key, b"edge")) == b"edge"
    assert sm2.verify(key.public_key, b"edge", sm2.sign(key, b"edge"))


def test_private_key_repr_does_not_reveal_the_key() -> None:
    key = vector_key()
    for text in (repr(key), str(key), f"{key}", repr([key])):
        assert VECTOR_D not in text.upper()
        assert str(int(VECTOR_D, 16)) not in text
    assert key.public_key.fingerprint()[:16] in repr(key)


def test_generate_gives_distinct_valid_keys() -> None:
    keys = {sm2.PrivateKey.generate().hex() for _ in range(20)}
    assert len(keys) == 20
    for text in keys:
        d = int(text, 16)
        assert 1 <= d <= sm2.N - 2


def test_errors_are_value_errors() -> None:
    assert issubclass(InvalidKeyError, CryptoError)
    assert issubclass(CryptoError, ValueError)
