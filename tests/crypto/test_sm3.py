"""SM3, HMAC-SM3 and the SM2 KDF, on every engine (OpenSSL fallback and the native paths)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from ysj_protocol.crypto import sm3

ABC_DIGEST = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
ABCD16_DIGEST = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def reference_sm3(data: bytes) -> bytes:
    """OpenSSL's SM3 through cryptography: independent of the native code under test."""
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def test_published_vectors(sm3_engine: str) -> None:
    assert sm3.backend_name() == sm3_engine
    assert sm3.sm3_hex(b"abc") == ABC_DIGEST
    assert sm3.sm3_digest(b"abcd" * 16).hex() == ABCD16_DIGEST
    assert hash_chunks([b"ab", b"c"]) == bytes.fromhex(ABC_DIGEST)


def hash_chunks(chunks: list[bytes]) -> bytes:
    h = sm3.SM3Hash()
    for chunk in chunks:
        h.update(chunk)
    return h.digest()


def test_hex_is_lower_case_and_64_digits(sm3_engine: str) -> None:
    text = sm3.sm3_hex(b"\x00" * 10)
    assert len(text) == 64
    assert text == text.lower()
    assert sm3.SM3Hash(b"abc").hexdigest() == ABC_DIGEST


@pytest.mark.parametrize("length", [*range(0, 130), 1000, 4096, 8191, 8192, 65537])
def test_lengths_around_block_boundaries_match_openssl(sm3_engine: str, length: int) -> None:
    data = os.urandom(length)
    assert sm3.sm3_digest(data) == reference_sm3(data)


def test_streaming_in_uneven_chunks_equals_one_shot(sm3_engine: str) -> None:
    data = os.urandom(200_003)
    sizes = [1, 63, 64, 65, 127, 8192, 9000, 1]
    chunks, pos, i = [], 0, 0
    while pos < len(data):
        chunks.append(data[pos : pos + sizes[i % len(sizes)]])
        pos += sizes[i % len(sizes)]
        i += 1
    assert hash_chunks(chunks) == sm3.sm3_digest(data) == reference_sm3(data)


def test_digest_does_not_finalise_and_copy_is_independent(sm3_engine: str) -> None:
    h = sm3.SM3Hash(b"ab")
    fork = h.copy()
    assert h.digest() == h.digest()
    h.update(b"c")
    fork.update(b"x")
    assert h.hexdigest() == ABC_DIGEST
    assert fork.digest() == reference_sm3(b"abx")
    assert isinstance(fork, sm3.SM3Hash)


def test_hash_object_attributes(sm3_engine: str) -> None:
    h = sm3.SM3Hash()
    assert (h.name, h.digest_size, h.block_size) == ("sm3", 32, 64)


def test_accepts_bytes_like_and_rejects_text(sm3_engine: str) -> None:
    assert sm3.sm3_digest(bytearray(b"abc")).hex() == ABC_DIGEST
    assert sm3.sm3_digest(memoryview(b"xabc")[1:]).hex() == ABC_DIGEST
    with pytest.raises(TypeError):
        sm3.sm3_digest("abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sm3.SM3Hash().update("abc")  # type: ignore[arg-type]


def test_large_inputs_hashed_in_threads(sm3_engine: str) -> None:
    """The native engine releases the GIL on large inputs; results must stay exact."""
    blobs = [os.urandom(1 << 20) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        digests = list(pool.map(sm3.sm3_digest, blobs))
    assert digests == [reference_sm3(b) for b in blobs]


@pytest.mark.parametrize("key_length", [0, 1, 16, 32, 63, 64, 65, 200])
def test_hmac_matches_openssl_hmac(sm3_engine: str, key_length: int) -> None:
    key = os.urandom(key_length)
    data = os.urandom(1000)
    reference = crypto_hmac.HMAC(key, hashes.SM3())
    reference.update(data)
    assert sm3.hmac_sm3(key, data) == reference.finalize()


def test_hmac_depends_on_key_and_data(sm3_engine: str) -> None:
    assert sm3.hmac_sm3(b"k1", b"data") != sm3.hmac_sm3(b"k2", b"data")
    assert sm3.hmac_sm3(b"k1", b"data") != sm3.hmac_sm3(b"k1", b"datb")
    assert len(sm3.hmac_sm3(b"", b"")) == 32


def test_kdf_is_sm3_of_z_and_counter_from_one(sm3_engine: str) -> None:
    z = os.urandom(64)
    out = sm3.kdf(z, 70)
    assert len(out) == 70
    assert out[:32] == reference_sm3(z + (1).to_bytes(4, "big"))
    assert out[32:64] == reference_sm3(z + (2).to_bytes(4, "big"))
    assert out[64:] == reference_sm3(z + (3).to_bytes(4, "big"))[:6]


@pytest.mark.parametrize("z_length", [0, 1, 55, 56, 63, 64, 65, 130])
@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 1000, 100_003])
def test_kdf_agrees_across_engines(sm3_engine: str, z_length: int, length: int) -> None:
    z = bytes(range(z_length))
    expected = sm3._OPENSSL_BACKEND.kdf(z, length)
    assert sm3.kdf(z, length) == expected
    assert sm3.kdf(z, length + 5)[:length] == expected  # a prefix of a longer output


def test_kdf_xor_applies_the_stream_and_reports_non_zero(sm3_engine: str) -> None:
    z = os.urandom(64)
    data = os.urandom(1000)
    mixed, nonzero = sm3._kdf_xor(z, data)
    assert nonzero is True
    assert bytes(a ^ b for a, b in zip(mixed, sm3.kdf(z, 1000), strict=True)) == data
    assert sm3._kdf_xor(z, b"") == (b"", False)


def test_kdf_rejects_bad_lengths(sm3_engine: str) -> None:
    with pytest.raises(ValueError):
        sm3.kdf(b"z", -1)
    with pytest.raises(ValueError):
        sm3.kdf(b"z", sm3.KDF_MAX_LENGTH + 1)
    with pytest.raises(TypeError):
        sm3.kdf(b"z", 1.5)  # type: ignore[arg-type]


def test_native_extension_selects_its_fastest_path() -> None:
    native = sm3._native_module
    if native is None:
        pytest.skip("native SM3 extension not built")
    assert native.implementation() == native.implementations()[-1]
    assert sm3.backend_name() == f"native-{native.implementation()}"
    with pytest.raises(ValueError):
        native.select_implementation("no-such-path")
