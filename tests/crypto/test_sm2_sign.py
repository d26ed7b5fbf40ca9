"""SM2 signatures: the published vector, DER handling, and verify's never-raise contract."""

from __future__ import annotations

import pytest

from ysj_protocol.crypto import sm2, sm3
from ysj_protocol.crypto.errors import SignatureError
from ysj_protocol.crypto.sm2 import _signature

from .sm2_data import AWKWARD_KEYS, SIG_E, SIG_MESSAGE, SIG_R, SIG_S, SIG_ZA, VECTOR_K, vector_key

VECTOR_SIGNATURE = SIG_R + SIG_S

# A k for which the vector key's signature of SIG_MESSAGE has r beginning with byte 0x30,
# the DER SEQUENCE tag: such a raw signature must not be misread.
K_R_STARTS_30 = int("415435C817D51ABC7431708CFA555CE0BDA864C3DF8BCE484D2C7B03396641F9", 16)


def test_za_and_e_of_the_vector(sm3_engine: str) -> None:
    public = vector_key().public_key
    assert sm2.za(public) == SIG_ZA
    assert sm2.za(public, b"1234567812345678") == SIG_ZA
    assert sm3.sm3_digest(SIG_ZA + SIG_MESSAGE) == SIG_E


def test_published_signature_vector(sm3_engine: str) -> None:
    assert _signature._sign_with_k(vector_key(), SIG_MESSAGE, VECTOR_K) == VECTOR_SIGNATURE
    assert sm2.verify(vector_key().public_key, SIG_MESSAGE, VECTOR_SIGNATURE)


def test_der_form_of_the_vector() -> None:
    der = _signature._sign_with_k(vector_key(), SIG_MESSAGE, VECTOR_K, der=True)
    assert der is not None
    # Both r and s have the top bit set, so each INTEGER carries a leading zero byte.
    assert der == b"\x30\x46\x02\x21\x00" + SIG_R + b"\x02\x21\x00" + SIG_S
    assert sm2.decode_der_signature(der) == VECTOR_SIGNATURE
    assert sm2.encode_der_signature(VECTOR_SIGNATURE) == der
    assert sm2.verify(vector_key().public_key, SIG_MESSAGE, der)


def test_k_comes_from_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_signature.secrets, "randbelow", lambda bound: VECTOR_K - 1)
    assert sm2.sign(vector_key(), SIG_MESSAGE) == VECTOR_SIGNATURE


def test_signatures_differ_and_verify() -> None:
    key = vector_key()
    first, second = sm2.sign(key, b"doc"), sm2.sign(key, b"doc")
    assert first != second
    assert len(first) == 64
    assert sm2.verify(key.public_key, b"doc", first)
    assert sm2.verify(key.public_key, b"doc", second)


@pytest.mark.parametrize("name", sorted(AWKWARD_KEYS))
def test_round_trip_awkward_keys(name: str) -> None:
    key = sm2.PrivateKey.from_hex(AWKWARD_KEYS[name])
    for der in (False, True):
        signature = sm2.sign(key, b"certificate", der=der)
        assert sm2.verify(key.public_key, b"certificate", signature)


def test_user_id_is_bound_into_the_signature() -> None:
    key = vector_key()
    signature = sm2.sign(key, b"doc", user_id=b"ALICE123@YAHOO.COM")
    assert sm2.verify(key.public_key, b"doc", signature, user_id=b"ALICE123@YAHOO.COM")
    assert not sm2.verify(key.public_key, b"doc", signature)
    assert sm2.verify(key.public_key, b"doc", sm2.sign(key, b"doc", user_id=b""), user_id=b"")
    with pytest.raises(ValueError):
        sm2.sign(key, b"doc", user_id=b"x" * 8192)


def test_raw_signature_beginning_with_the_der_tag() -> None:
    raw = _signature._sign_with_k(vector_key(), SIG_MESSAGE, K_R_STARTS_30)
    assert raw is not None and raw[0] == 0x30
    assert sm2.verify(vector_key().public_key, SIG_MESSAGE, raw)
    assert sm2.verify(vector_key().public_key, SIG_MESSAGE, sm2.encode_der_signature(raw))


def test_wrong_message_key_or_signature_fail() -> None:
    key = vector_key()
    assert not sm2.verify(key.public_key, SIG_MESSAGE + b"!", VECTOR_SIGNATURE)
    assert not sm2.verify(sm2.PrivateKey.generate().public_key, SIG_MESSAGE, VECTOR_SIGNATURE)
    assert not sm2.verify(key.public_key, SIG_MESSAGE, SIG_S + SIG_R)


def _int(v: int) -> bytes:
    return v.to_bytes(32, "big")


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "not bytes",
        VECTOR_SIGNATURE.hex(),
        b"",
        VECTOR_SIGNATURE[:63],
        VECTOR_SIGNATURE + b"\x00",
        _int(0) + SIG_S,
        SIG_R + _int(0),
        _int(sm2.N) + SIG_S,
        SIG_R + _int(sm2.N),
        b"\xff" * 64,
        _int(1) + _int(sm2.N - 1),  # r + s = n
        b"\x30\x00",
        b"\x30\x46\x02\x21\x00" + SIG_R + b"\x02\x21\x00" + SIG_S + b"\x00",  # trailing byte
        b"\x30\x47\x02\x21\x00" + SIG_R + b"\x02\x22\x00\x00" + SIG_S,  # non-minimal INTEGER
        b"\x30\x44\x02\x20" + SIG_R + b"\x02\x20" + SIG_S,  # negative INTEGERs
        b"\x30\x81\x46\x02\x21\x00" + SIG_R + b"\x02\x21\x00" + SIG_S,  # long-form length
    ],
)
def test_verify_returns_false_and_never_raises(signature: object) -> None:
    assert sm2.verify(vector_key().public_key, SIG_MESSAGE, signature) is False  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "der",
    [
        b"",
        b"\x31\x06\x02\x01\x01\x02\x01\x01",
        b"\x30\x06\x02\x01\x01\x02\x01\x01\x00",
        b"\x30\x06\x02\x01\x00\x02\x01\x01",  # r = 0
        b"\x30\x06\x02\x01\x01\x04\x01\x01",
        b"\x30\x07\x02\x02\x00\x01\x02\x01\x01",  # non-minimal
        b"\x30\x06\x02\x01\x81\x02\x01\x01",  # negative
        b"\x30\x09\x02\x01\x01\x02\x01\x01\x05\x00\x00",  # trailing element
    ],
)
def test_decode_der_signature_is_strict(der: bytes) -> None:
    with pytest.raises(SignatureError):
        sm2.decode_der_signature(der)


def test_small_integers_in_der() -> None:
    raw = _int(1) + _int(0x80)
    der = sm2.encode_der_signature(raw)
    assert der == b"\x30\x07\x02\x01\x01\x02\x02\x00\x80"
    assert sm2.decode_der_signature(der) == raw
    with pytest.raises(SignatureError):
        sm2.encode_der_signature(raw[:63])
