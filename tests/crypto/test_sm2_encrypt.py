"""SM2 encryption: the published vector, both orders and C1 forms, and every rejection."""

from __future__ import annotations

import os

import pytest

from ysj_protocol.crypto import sm2, sm3
from ysj_protocol.crypto.errors import DecryptionError, InvalidCiphertextError
from ysj_protocol.crypto.sm2 import _cipher, _precompute

from .sm2_data import AWKWARD_KEYS, ENC_C1, ENC_C2, ENC_C3, ENC_MESSAGE, VECTOR_K, vector_key

VECTOR_C1C3C2 = ENC_C1 + ENC_C3 + ENC_C2


def test_published_vector_c1c3c2(sm3_engine: str) -> None:
    ciphertext = _cipher._encrypt_with_k(vector_key().public_key, ENC_MESSAGE, VECTOR_K)
    assert ciphertext == VECTOR_C1C3C2


def test_published_vector_other_layouts(sm3_engine: str) -> None:
    public = vector_key().public_key
    assert _cipher._encrypt_with_k(public, ENC_MESSAGE, VECTOR_K, order="C1C2C3") == ENC_C1 + ENC_C2 + ENC_C3
    bare = _cipher._encrypt_with_k(public, ENC_MESSAGE, VECTOR_K, c1_prefix=False)
    assert bare == VECTOR_C1C3C2[1:]
    assert bare[:1] == b"\x04"  # C1.x itself begins with 04


@pytest.mark.parametrize("prefixed", [True, False])
def test_published_vector_decrypts(sm3_engine: str, prefixed: bool) -> None:
    data = VECTOR_C1C3C2 if prefixed else VECTOR_C1C3C2[1:]
    assert sm2.decrypt(vector_key(), data) == ENC_MESSAGE
    assert sm2.decrypt_hex(vector_key(), data.hex()) == ENC_MESSAGE
    assert sm2.decrypt_hex(vector_key(), data.hex().upper()) == ENC_MESSAGE
    c1_len = 65 if prefixed else 64
    other_order = data[:c1_len] + ENC_C2 + ENC_C3
    assert sm2.decrypt(vector_key(), other_order, order="C1C2C3") == ENC_MESSAGE


def test_encrypt_hex_is_the_envelope_form() -> None:
    key = vector_key()
    text = sm2.encrypt_hex(key.public_key, b'{"a": 1}')
    assert text == text.upper()
    assert text.startswith("04")
    assert len(text) == 2 * (65 + 32 + 8)
    assert sm2.decrypt_hex(key, text) == b'{"a": 1}'
    assert sm2.decrypt_hex(key, text.lower()) == b'{"a": 1}'


@pytest.mark.parametrize("order", ["C1C3C2", "C1C2C3", "c1c2c3"])
@pytest.mark.parametrize("c1_prefix", [True, False])
@pytest.mark.parametrize("name", sorted(AWKWARD_KEYS))
def test_round_trip_awkward_keys(name: str, order: str, c1_prefix: bool) -> None:
    key = sm2.PrivateKey.from_hex(AWKWARD_KEYS[name])
    message = os.urandom(100)
    ciphertext = sm2.encrypt(key.public_key, message, order=order, c1_prefix=c1_prefix)
    assert len(ciphertext) == (65 if c1_prefix else 64) + 32 + 100
    assert sm2.decrypt(key, ciphertext, order=order) == message


def test_empty_plaintext(sm3_engine: str) -> None:
    key = vector_key()
    ciphertext = sm2.encrypt(key.public_key, b"")
    assert len(ciphertext) == 97
    assert sm2.decrypt(key, ciphertext) == b""
    assert sm2.decrypt(key, ciphertext[1:]) == b""


def test_large_plaintext(sm3_engine: str) -> None:
    key = vector_key()
    message = os.urandom(3 * 1024 * 1024 + 5)
    ciphertext = sm2.encrypt(key.public_key, message)
    assert ciphertext[97:] != message
    assert sm2.decrypt(key, ciphertext) == message


def test_k_comes_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The on-the-spot path; pooled values are covered in test_sm2_precompute."""
    monkeypatch.setattr(_precompute, "_enabled", False)
    calls: list[int] = []

    def fake_randbelow(bound: int) -> int:
        calls.append(bound)
        return VECTOR_K - 1

    monkeypatch.setattr(_cipher.secrets, "randbelow", fake_randbelow)
    assert sm2.encrypt(vector_key().public_key, ENC_MESSAGE) == VECTOR_C1C3C2
    assert calls == [sm2.N - 1]


def test_encryptions_differ() -> None:
    public = vector_key().public_key
    first, second = sm2.encrypt(public, b"same"), sm2.encrypt(public, b"same")
    assert first[:65] != second[:65]
    assert first[97:] != second[97:]


def test_all_zero_key_stream_retries_with_a_new_k(monkeypatch: pytest.MonkeyPatch) -> None:
    real = sm3._kdf_xor
    calls = []

    def first_stream_all_zero(z: bytes, data: bytes) -> tuple[bytes, bool]:
        calls.append(z)
        mixed, nonzero = real(z, data)
        return (data, False) if len(calls) == 1 else (mixed, nonzero)

    monkeypatch.setattr(sm3, "_kdf_xor", first_stream_all_zero)
    key = vector_key()
    ciphertext = sm2.encrypt(key.public_key, b"retry")
    assert len(calls) == 2 and calls[0] != calls[1]
    monkeypatch.setattr(sm3, "_kdf_xor", real)
    assert sm2.decrypt(key, ciphertext) == b"retry"


def test_all_zero_key_stream_rejected_on_decrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sm3, "_kdf_xor", lambda z, data: (data, False))
    with pytest.raises(DecryptionError, match="all zero"):
        sm2.decrypt(vector_key(), VECTOR_C1C3C2)


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


@pytest.mark.parametrize(
    ("part", "index"),
    [
        ("prefix", 0),
        ("C1.x", 1),
        ("C1.y", 64),
        ("C3", 65),
        ("C3", 96),
        ("C2", 97),
        ("C2", len(VECTOR_C1C3C2) - 1),
    ],
)
def test_tampering_with_any_part_is_rejected(sm3_engine: str, part: str, index: int) -> None:
    with pytest.raises(DecryptionError):
        sm2.decrypt(vector_key(), _flip(VECTOR_C1C3C2, index))


def test_tampered_bare_ciphertext_is_rejected() -> None:
    bare = VECTOR_C1C3C2[1:]
    for index in (0, 63, 64, 95, 96, len(bare) - 1):
        with pytest.raises(DecryptionError):
            sm2.decrypt(vector_key(), _flip(bare, index))


def test_c1_replaced_by_another_curve_point_fails_c3() -> None:
    other = sm2.PrivateKey.generate().public_key.to_bytes()
    with pytest.raises(DecryptionError, match="C3"):
        sm2.decrypt(vector_key(), other + VECTOR_C1C3C2[65:])


def test_c1_off_curve_is_an_invalid_ciphertext() -> None:
    off_curve = bytearray(VECTOR_C1C3C2)
    off_curve[64] ^= 0x01  # last byte of C1.y
    bare = bytes(off_curve[1:])
    # Neither reading of C1 (with or without the 04 prefix) is a curve point.
    with pytest.raises(InvalidCiphertextError, match="not a point"):
        sm2.decrypt(vector_key(), bare)
    with pytest.raises(InvalidCiphertextError, match="not a point"):
        sm2.decrypt(vector_key(), b"\x04" + b"\x00" * 64 + ENC_C3 + ENC_C2)


def test_wrong_key_is_a_decryption_error_not_a_format_error() -> None:
    with pytest.raises(DecryptionError, match="C3") as info:
        sm2.decrypt(sm2.PrivateKey.generate(), VECTOR_C1C3C2)
    assert not isinstance(info.value, InvalidCiphertextError)


def test_wrong_order_is_rejected() -> None:
    with pytest.raises(DecryptionError):
        sm2.decrypt(vector_key(), VECTOR_C1C3C2, order="C1C2C3")


@pytest.mark.parametrize("length", [0, 1, 64, 95, 96, 97, 98, len(VECTOR_C1C3C2) - 1])
def test_truncated_ciphertexts_are_rejected(length: int) -> None:
    with pytest.raises(DecryptionError):
        sm2.decrypt(vector_key(), VECTOR_C1C3C2[:length])


def test_extended_ciphertext_is_rejected() -> None:
    with pytest.raises(DecryptionError):
        sm2.decrypt(vector_key(), VECTOR_C1C3C2 + b"\x00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("0", "odd"),
        (VECTOR_C1C3C2.hex()[:-1], "odd"),
        ("zz" * 120, "not hex"),
        (VECTOR_C1C3C2.hex()[:-2] + "g0", "not hex"),
        (" " + VECTOR_C1C3C2.hex() + " ", "not hex"),
        ("中文" * 100, "not hex"),
        ("04" * 95, "too short"),
        (VECTOR_C1C3C2.hex()[:190], "too short"),
    ],
)
def test_decrypt_hex_rejects_malformed_text(text: str, message: str) -> None:
    with pytest.raises(InvalidCiphertextError, match=message):
        sm2.decrypt_hex(vector_key(), text)


@pytest.mark.parametrize("value", [None, 42, b"04", ["04"], {"a": 1}])
def test_decrypt_hex_rejects_non_text_as_invalid_ciphertext(value: object) -> None:
    with pytest.raises(InvalidCiphertextError):
        sm2.decrypt_hex(vector_key(), value)  # type: ignore[arg-type]


def test_bad_arguments_are_programming_errors() -> None:
    key = vector_key()
    with pytest.raises(TypeError):
        sm2.encrypt(key, b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm2.encrypt(key.public_key, "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm2.decrypt(key.public_key, VECTOR_C1C3C2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm2.decrypt(key, VECTOR_C1C3C2.hex())  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        sm2.encrypt(key.public_key, b"x", order="C2C1C3")


def test_failed_check_on_the_prefixed_reading_still_tries_the_bare_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """READING.md: if the 04-prefixed parse fails the point test *or the C3 check*, try x||y.

    A 64-byte C1 whose bytes 1..64 form a curve point cannot be produced on purpose, so the
    prefixed reading is made to fail its check here.
    """
    real = _cipher._decrypt_layout
    tried: list[int] = []

    def prefixed_reading_fails_check(key: sm2.PrivateKey, data: bytes, c1_len: int, order: str) -> bytes:
        tried.append(c1_len)
        if c1_len == 65:
            raise DecryptionError("C3 mismatch")
        return real(key, data, c1_len, order)

    monkeypatch.setattr(_cipher, "_decrypt_layout", prefixed_reading_fails_check)
    assert sm2.decrypt(vector_key(), VECTOR_C1C3C2[1:]) == ENC_MESSAGE
    assert tried == [65, 64]
    with pytest.raises(DecryptionError, match="C3") as info:
        sm2.decrypt(vector_key(), _flip(VECTOR_C1C3C2[1:], 200 % (len(VECTOR_C1C3C2) - 1)))
    assert not isinstance(info.value, InvalidCiphertextError)
