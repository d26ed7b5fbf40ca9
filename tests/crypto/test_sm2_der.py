"""The GM/T 0009 DER ciphertext and the C1C2C3 order, against OpenSSL 3, gmssl and asn1crypto."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable

import pytest
from asn1crypto.core import Integer, OctetString, Sequence
from Cryptodome.Util.asn1 import DerInteger, DerOctetString, DerSequence

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import DecryptionError, InvalidCiphertextError
from ysj_protocol.crypto.sm2 import _cipher, _curve

from .openssl_cli import openssl_decrypt, openssl_encrypt, requires_openssl
from .sm2_data import ENC_C1, ENC_C2, ENC_C3, ENC_MESSAGE, vector_key
from .test_interop_gmssl import gmssl_for

VECTOR_C1C3C2 = ENC_C1 + ENC_C3 + ENC_C2


class SM2Ciphertext(Sequence):
    """GM/T 0009 SM2Cipher, for an independent reading of what we emit."""

    _fields = [("x", Integer), ("y", Integer), ("hash", OctetString), ("ciphertext", OctetString)]


def read_asn1(der: bytes) -> tuple[int, int, bytes, bytes]:
    parsed = SM2Ciphertext.load(der, strict=True)
    return parsed["x"].native, parsed["y"].native, parsed["hash"].native, parsed["ciphertext"].native


def k_where(condition: Callable[[int, int], bool]) -> int:
    """The first k whose C1 = [k]G satisfies ``condition`` (a one-in-256 property takes ~256 tries)."""
    k = 1
    while not condition(*_curve._mul_base(k)):
        k += 1
    return k


def encrypt_with(key: sm2.PublicKey, message: bytes, k: int, **kw: object) -> bytes:
    ciphertext = _cipher._encrypt_with_k(key, message, k, **kw)  # type: ignore[arg-type]
    assert ciphertext is not None
    return ciphertext


# ----------------------------------------------------------------------------- our own encoding
def test_published_vector_in_der_form() -> None:
    """C1.x of the vector begins 04 (32 bytes); C1.y begins E8, so its INTEGER needs a 00."""
    der = sm2.encode_der_ciphertext(VECTOR_C1C3C2)
    x, y, c3, c2 = read_asn1(der)
    assert (x.to_bytes(32, "big"), y.to_bytes(32, "big"), c3, c2) == (ENC_C1[1:33], ENC_C1[33:], ENC_C3, ENC_C2)
    assert der[2:4] == b"\x02\x20" and der[36:39] == b"\x02\x21\x00"
    assert sm2.decrypt_der(vector_key(), der) == ENC_MESSAGE
    assert sm2.decode_der_ciphertext(der) == VECTOR_C1C3C2
    assert sm2.decrypt_any(vector_key(), der) == (ENC_MESSAGE, True)
    assert sm2.decrypt_any(vector_key(), VECTOR_C1C3C2) == (ENC_MESSAGE, False)


@pytest.mark.parametrize("coordinate", ["x", "y"])
def test_short_coordinates_are_minimal_integers(coordinate: str) -> None:
    key = sm2.PrivateKey.generate()
    index = 0 if coordinate == "x" else 1
    k = k_where(lambda *point: point[index] < 1 << 247)
    raw = encrypt_with(key.public_key, b"short", k)
    der = sm2.encode_der_ciphertext(raw)
    parsed = read_asn1(der)
    assert parsed[index] < 1 << 247
    assert len(SM2Ciphertext.load(der)[coordinate].contents) <= 31
    assert sm2.decrypt_der(key, der) == b"short"
    assert sm2.decode_der_ciphertext(der) == raw


@pytest.mark.parametrize("length", [0, 1, 127, 128, 255, 256, 65_535, 70_000])
def test_der_round_trip_over_length_forms(length: int) -> None:
    """Short and long-form lengths (one, two, three octets) of the SEQUENCE and the OCTET STRING."""
    key = sm2.PrivateKey.generate()
    message = os.urandom(length)
    der = sm2.encrypt_der(key.public_key, message)
    assert len(read_asn1(der)[3]) == length
    assert sm2.decrypt_der(key, der) == message
    assert sm2.decrypt_any(key, der) == (message, True)


def _der(x: bytes, y: bytes, c3: bytes, c2: bytes) -> bytes:
    """A hand-made SM2Cipher with the INTEGER contents exactly as given (lengths < 128)."""

    def tlv(tag: int, body: bytes) -> bytes:
        return bytes((tag, len(body))) + body

    return tlv(0x30, tlv(0x02, x) + tlv(0x02, y) + tlv(0x04, c3) + tlv(0x04, c2))


def test_fixed_width_coordinates_are_read_too() -> None:
    """Encoders that always write 32 bytes (a top bit set reads as negative) or 33 with 00."""
    key = vector_key()
    x, y = ENC_C1[1:33], ENC_C1[33:]
    assert sm2.decrypt_der(key, _der(x, y, ENC_C3, ENC_C2)) == ENC_MESSAGE
    assert sm2.decrypt_der(key, _der(b"\x00" + x, b"\x00" + y, ENC_C3, ENC_C2)) == ENC_MESSAGE


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda d: d[:-1], "past the end"),
        (lambda d: d + b"\x00", "after the SEQUENCE"),
        (lambda d: b"\x31" + d[1:], "SEQUENCE expected"),
        (lambda d: d[:2] + b"\x04" + d[3:], "INTEGER x expected"),
        (lambda d: b"\x30\x85" + d[1:], "bad length"),
        (lambda d: b"\x30\x80" + d[2:] + b"\x00\x00", "bad length"),
    ],
)
def test_malformed_der_is_an_invalid_ciphertext(mangle: Callable[[bytes], bytes], reason: str) -> None:
    der = sm2.encode_der_ciphertext(VECTOR_C1C3C2)
    with pytest.raises(InvalidCiphertextError, match=reason):
        sm2.decrypt_der(vector_key(), mangle(der))


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ((b"", ENC_C1[33:], ENC_C3, ENC_C2), "256-bit"),
        ((b"\x01" + ENC_C1[1:33], ENC_C1[33:], ENC_C3, ENC_C2), "256-bit"),
        ((b"\x00\x00" + ENC_C1[1:33], ENC_C1[33:], ENC_C3, ENC_C2), "256-bit"),
        ((ENC_C1[1:33], ENC_C1[33:], ENC_C3[:31], ENC_C2), "32 bytes"),
        ((ENC_C1[1:33], ENC_C1[33:], ENC_C3 + b"\x00", ENC_C2), "32 bytes"),
        ((ENC_C1[1:33], ENC_C1[34:], ENC_C3, ENC_C2), "not a point"),
    ],
)
def test_der_fields_that_cannot_be_a_ciphertext(parts: tuple[bytes, bytes, bytes, bytes], reason: str) -> None:
    with pytest.raises(InvalidCiphertextError, match=reason):
        sm2.decrypt_der(vector_key(), _der(*parts))


def test_der_with_trailing_element_inside_the_sequence() -> None:
    der = _der(ENC_C1[1:33], ENC_C1[33:], ENC_C3, ENC_C2)
    padded = bytes((0x30, der[1] + 2)) + der[2:] + b"\x05\x00"
    with pytest.raises(InvalidCiphertextError, match="after the ciphertext"):
        sm2.decrypt_der(vector_key(), padded)


@pytest.mark.parametrize("part", ["hash", "ciphertext"])
def test_tampered_der_and_wrong_key_fail_the_check(part: str) -> None:
    key = sm2.PrivateKey.generate()
    x, y, c3, c2 = read_asn1(sm2.encrypt_der(key.public_key, b"tamper me"))
    if part == "hash":
        c3 = bytes((c3[0] ^ 1,)) + c3[1:]
    else:
        c2 = bytes((c2[0] ^ 1,)) + c2[1:]
    der = SM2Ciphertext({"x": x, "y": y, "hash": c3, "ciphertext": c2}).dump()
    with pytest.raises(DecryptionError, match="C3") as info:
        sm2.decrypt_der(key, der)
    assert not isinstance(info.value, InvalidCiphertextError)
    with pytest.raises(DecryptionError, match="C3"):
        sm2.decrypt_der(sm2.PrivateKey.generate(), sm2.encrypt_der(key.public_key, b"x"))


def test_raw_ciphertext_starting_with_the_sequence_tag_is_still_raw() -> None:
    """A C1 without 04 whose x begins with 30: the DER reading fails, the raw one is taken."""
    key = sm2.PrivateKey.generate()
    k = k_where(lambda x, y: x >> 248 == 0x30)
    bare = encrypt_with(key.public_key, b"looks like DER", k, c1_prefix=False)
    assert bare[0] == 0x30
    assert sm2.decrypt_any(key, bare) == (b"looks like DER", False)


def test_any_form_reports_the_der_error_when_both_readings_fail() -> None:
    der = sm2.encrypt_der(sm2.PrivateKey.generate().public_key, b"for another key")
    with pytest.raises(DecryptionError, match="C3"):
        sm2.decrypt_any(vector_key(), der)


# ----------------------------------------------------------------------------- the C1C2C3 order
def test_old_order_is_told_apart_from_a_wrong_key() -> None:
    key = sm2.PrivateKey.generate()
    old = sm2.encrypt(key.public_key, b"old order", order="C1C2C3")
    with pytest.raises(sm2.CiphertextOrderError) as info:
        sm2.decrypt(key, old)
    assert info.value.found == "C1C2C3"
    with pytest.raises(sm2.CiphertextOrderError):
        sm2.decrypt_any(key, old[1:])  # without the 04 prefix too
    with pytest.raises(DecryptionError) as wrong_key:
        sm2.decrypt(sm2.PrivateKey.generate(), old)
    assert not isinstance(wrong_key.value, sm2.CiphertextOrderError)
    with pytest.raises(sm2.CiphertextOrderError) as reverse:
        sm2.decrypt(key, sm2.encrypt(key.public_key, b"new order"), order="C1C2C3")
    assert reverse.value.found == "C1C3C2"


def test_tampered_old_order_is_a_plain_check_failure() -> None:
    key = sm2.PrivateKey.generate()
    old = bytearray(sm2.encrypt(key.public_key, b"old order, altered", order="C1C2C3"))
    old[70] ^= 1
    with pytest.raises(DecryptionError) as info:
        sm2.decrypt(key, bytes(old))
    assert not isinstance(info.value, sm2.CiphertextOrderError)


@pytest.mark.parametrize("length", [1, 19, 1000])
def test_gmssl_default_order_is_recognised(length: int) -> None:
    """gmssl's default mode 0 is C1C2C3, C1 without 04: what an unconfigured peer sends."""
    key = sm2.PrivateKey.generate()
    message = os.urandom(length)
    old = next(filter(None, (gmssl_for(key, mode=0).encrypt(message) for _ in range(8))))
    with pytest.raises(sm2.CiphertextOrderError) as info:
        sm2.decrypt_any(key, old)
    assert info.value.found == "C1C2C3"
    assert sm2.decrypt(key, old, order="C1C2C3") == message


# ----------------------------------------------------------------------------- gmssl via DER
def test_gmssl_ciphertext_wrapped_in_der_by_pycryptodome() -> None:
    key = sm2.PrivateKey.generate()
    raw = next(filter(None, (gmssl_for(key).encrypt(b"gmssl in DER") for _ in range(8))))  # x||y||C3||C2
    der = DerSequence(
        [
            DerInteger(int.from_bytes(raw[:32], "big")),
            DerInteger(int.from_bytes(raw[32:64], "big")),
            DerOctetString(raw[64:96]),
            DerOctetString(raw[96:]),
        ]
    ).encode()
    assert sm2.decrypt_any(key, der) == (b"gmssl in DER", True)


def test_our_der_read_by_pycryptodome_decrypts_in_gmssl() -> None:
    key = sm2.PrivateKey.generate()
    sequence = DerSequence()
    sequence.decode(sm2.encrypt_der(key.public_key, b"ours to gmssl"), strict=True)
    x, y = sequence[0], sequence[1]
    c3 = DerOctetString()
    c3.decode(sequence[2])
    c2 = DerOctetString()
    c2.decode(sequence[3])
    raw = x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3.payload + c2.payload
    assert gmssl_for(key).decrypt(raw) == b"ours to gmssl"


# ----------------------------------------------------------------------------- OpenSSL 3
@requires_openssl
@pytest.mark.parametrize("length", [1, 19, 1000, 100_000])
def test_openssl_encrypts_we_decrypt(length: int) -> None:
    key = sm2.PrivateKey.generate()
    message = os.urandom(length)
    der = openssl_encrypt(key.public_key, message)
    assert sm2.decrypt_der(key, der) == message
    assert sm2.decrypt_any(key, der) == (message, True)
    # What OpenSSL wrote reads the same with an independent parser, and re-encodes byte for byte.
    x, y, c3, c2 = read_asn1(der)
    raw = b"\x04" + x.to_bytes(32, "big") + y.to_bytes(32, "big") + c3 + c2
    assert sm2.decode_der_ciphertext(der) == raw
    assert sm2.encode_der_ciphertext(raw) == der


@requires_openssl
def test_openssl_integers_with_and_without_a_leading_zero() -> None:
    """Half of OpenSSL's coordinates have the top bit set (33-byte INTEGER); all are read."""
    key = sm2.PrivateKey.generate()
    widths = set()
    for index in range(12):
        der = openssl_encrypt(key.public_key, f"message {index}".encode())
        parsed = SM2Ciphertext.load(der)
        widths |= {len(parsed["x"].contents), len(parsed["y"].contents)}
        assert sm2.decrypt_der(key, der) == f"message {index}".encode()
    assert 33 in widths  # 1 - 2**-24 likely; a failure here means OpenSSL's encoding changed


@requires_openssl
@pytest.mark.parametrize("length", [1, 19, 1000, 100_000])
def test_we_encrypt_openssl_decrypts(length: int) -> None:
    key = sm2.PrivateKey.generate()
    message = os.urandom(length)
    assert openssl_decrypt(key, sm2.encrypt_der(key.public_key, message)) == message


@requires_openssl
@pytest.mark.parametrize("coordinate", [0, 1])
def test_openssl_reads_our_short_integers(coordinate: int) -> None:
    key = sm2.PrivateKey.generate()
    k = k_where(lambda *point: point[coordinate] < 1 << 247)
    der = sm2.encode_der_ciphertext(encrypt_with(key.public_key, b"short coordinate", k))
    assert openssl_decrypt(key, der) == b"short coordinate"


@requires_openssl
def test_openssl_refuses_what_we_refuse() -> None:
    key = sm2.PrivateKey.generate()
    x, y, c3, c2 = read_asn1(sm2.encrypt_der(key.public_key, b"integrity"))
    altered = SM2Ciphertext({"x": x, "y": y, "hash": c3, "ciphertext": bytes((c2[0] ^ 1,)) + c2[1:]}).dump()
    with pytest.raises(subprocess.CalledProcessError):
        openssl_decrypt(key, altered)
    with pytest.raises(DecryptionError):
        sm2.decrypt_der(key, altered)


def test_a_raw_old_order_ciphertext_starting_like_der_is_still_recognised() -> None:
    """Without its 04, a raw ciphertext starts with the SEQUENCE byte once in 256 tries."""
    key = sm2.PrivateKey.generate()
    message = b"C1C2C3 that looks like DER"
    for _ in range(5000):
        old = sm2.encrypt(key.public_key, message, order="C1C2C3")[1:]  # C1 without its 04
        if old[0] == 0x30:
            break
    else:  # pragma: no cover - 5000 tries miss with probability below 1e-8
        pytest.fail("no ciphertext starting with 0x30 in 5000 tries")
    with pytest.raises(sm2.CiphertextOrderError):
        sm2.decrypt_any(key, old)
    new = sm2.encrypt(key.public_key, message)[1:]
    while new[0] != 0x30:
        new = sm2.encrypt(key.public_key, message)[1:]
    assert sm2.decrypt_any(key, new) == (message, False)
