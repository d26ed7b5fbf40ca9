"""Property tests: round trips over random sizes and layouts, and any flipped bit is caught."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ysj_protocol.crypto import sm2, sm3, sm4
from ysj_protocol.crypto.errors import DecryptionError

from .sm2_data import AWKWARD_KEYS

KEYS = [sm2.PrivateKey.from_hex(d) for d in AWKWARD_KEYS.values()] + [sm2.PrivateKey.generate()]
KEY = st.sampled_from(KEYS)
ORDER = st.sampled_from(["C1C3C2", "C1C2C3"])
# Sizes up to 64 KiB with the small ones (and 0) well represented.
PLAINTEXT = st.one_of(st.binary(max_size=64), st.binary(min_size=65, max_size=64 * 1024))

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(key=KEY, plaintext=PLAINTEXT, order=ORDER, c1_prefix=st.booleans())
def test_encrypt_decrypt_round_trip(
    key: sm2.PrivateKey, plaintext: bytes, order: str, c1_prefix: bool
) -> None:
    ciphertext = sm2.encrypt(key.public_key, plaintext, order=order, c1_prefix=c1_prefix)
    assert len(ciphertext) == (65 if c1_prefix else 64) + 32 + len(plaintext)
    assert sm2.decrypt(key, ciphertext, order=order) == plaintext


@FAST
@given(key=KEY, plaintext=st.binary(max_size=2048))
def test_hex_round_trip_any_case(key: sm2.PrivateKey, plaintext: bytes) -> None:
    text = sm2.encrypt_hex(key.public_key, plaintext)
    assert sm2.decrypt_hex(key, text.lower()) == plaintext
    assert sm2.decrypt_hex(key, text[2:]) == plaintext  # C1 without 04


@FAST
@given(key=KEY, plaintext=st.binary(max_size=256), c1_prefix=st.booleans(), data=st.data())
def test_any_flipped_ciphertext_bit_is_rejected(
    key: sm2.PrivateKey, plaintext: bytes, c1_prefix: bool, data: st.DataObject
) -> None:
    ciphertext = bytearray(sm2.encrypt(key.public_key, plaintext, c1_prefix=c1_prefix))
    bit = data.draw(st.integers(0, len(ciphertext) * 8 - 1))
    ciphertext[bit // 8] ^= 1 << (bit % 8)
    try:
        sm2.decrypt(key, bytes(ciphertext))
    except DecryptionError:
        return
    raise AssertionError(f"flipped bit {bit} went unnoticed")


@FAST
@given(key=KEY, message=st.binary(max_size=4096), user_id=st.binary(max_size=64), der=st.booleans())
def test_sign_verify_round_trip(key: sm2.PrivateKey, message: bytes, user_id: bytes, der: bool) -> None:
    signature = sm2.sign(key, message, user_id=user_id, der=der)
    assert sm2.verify(key.public_key, message, signature, user_id=user_id)


@FAST
@given(key=KEY, message=st.binary(min_size=1, max_size=512), data=st.data())
def test_any_flipped_bit_breaks_the_signature(
    key: sm2.PrivateKey, message: bytes, data: st.DataObject
) -> None:
    signature = bytearray(sm2.sign(key, message))
    bit = data.draw(st.integers(0, 64 * 8 - 1))
    signature[bit // 8] ^= 1 << (bit % 8)
    assert not sm2.verify(key.public_key, message, bytes(signature))
    tampered = bytearray(message)
    bit = data.draw(st.integers(0, len(message) * 8 - 1))
    tampered[bit // 8] ^= 1 << (bit % 8)
    assert not sm2.verify(key.public_key, bytes(tampered), sm2.sign(key, message))


@FAST
@given(key=KEY, message=st.binary(max_size=256), data=st.data())
def test_any_flipped_der_bit_breaks_the_signature(
    key: sm2.PrivateKey, message: bytes, data: st.DataObject
) -> None:
    signature = bytearray(sm2.sign(key, message, der=True))
    # DER length varies with the random k; keep the drawn range fixed so Hypothesis can replay.
    bit = data.draw(st.integers(0, 72 * 8 - 1)) % (len(signature) * 8)
    signature[bit // 8] ^= 1 << (bit % 8)
    assert not sm2.verify(key.public_key, message, bytes(signature))


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=5000), cuts=st.lists(st.integers(0, 5000), max_size=8))
def test_sm3_streaming_equals_one_shot(data: bytes, cuts: list[int]) -> None:
    h = sm3.SM3Hash()
    previous = 0
    for cut in sorted(c for c in cuts if c <= len(data)):
        h.update(data[previous:cut])
        previous = cut
    h.update(data[previous:])
    assert h.digest() == sm3.sm3_digest(data) == sm3._OPENSSL_BACKEND.digest(data)


@settings(max_examples=60, deadline=None)
@given(
    key=st.binary(min_size=16, max_size=16),
    plaintext=st.binary(max_size=4096),
    aad=st.binary(max_size=64),
    iv=st.binary(min_size=16, max_size=16),
)
def test_sm4_round_trips(key: bytes, plaintext: bytes, aad: bytes, iv: bytes) -> None:
    assert sm4.gcm_decrypt(key, sm4.gcm_encrypt(key, plaintext, aad=aad), aad=aad) == plaintext
    assert sm4.cbc_decrypt(key, iv, sm4.cbc_encrypt(key, iv, plaintext)) == plaintext
