"""SM4: the GB/T 32907 vectors, RFC 8998 SM4-GCM, tamper detection, CBC interoperability."""

from __future__ import annotations

import os

import pytest
from gmssl.sm4 import SM4_DECRYPT, SM4_ENCRYPT, CryptSM4

from ysj_protocol.crypto import sm4
from ysj_protocol.crypto.errors import CryptoError, DecryptionError, InvalidCiphertextError, InvalidKeyError

KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")

# RFC 8998, appendix A.1.
GCM_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
GCM_NONCE = bytes.fromhex("00001234567800000000ABCD")
GCM_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
GCM_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
GCM_CIPHERTEXT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
)
GCM_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")


def gmssl_cipher(key: bytes, mode: int) -> CryptSM4:
    cipher = CryptSM4()
    cipher.set_key(key, mode)
    return cipher


def test_single_block_vector() -> None:
    assert sm4.encrypt_block(KEY, KEY).hex() == "681edf34d206965e86b3e94f536e4246"


def test_million_rounds_vector() -> None:
    """GB/T 32907 example 2: the block encrypted 1,000,000 times with the same key."""
    assert sm4._iterate_block(KEY, KEY, 1_000_000).hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_iterate_block_agrees_with_single_block_calls() -> None:
    block = KEY
    for _ in range(5):
        block = sm4.encrypt_block(KEY, block)
    assert sm4._iterate_block(KEY, KEY, 5) == block


def test_single_block_agrees_with_gmssl() -> None:
    for _ in range(20):
        key, block = os.urandom(16), os.urandom(16)
        # gmssl's ECB always appends a PKCS#7 block; the first block is the bare encryption.
        assert sm4.encrypt_block(key, block) == gmssl_cipher(key, SM4_ENCRYPT).crypt_ecb(block)[:16]


def test_gcm_rfc8998_vector() -> None:
    blob = sm4.gcm_encrypt(GCM_KEY, GCM_PLAINTEXT, aad=GCM_AAD, nonce=GCM_NONCE)
    assert blob == GCM_NONCE + GCM_CIPHERTEXT + GCM_TAG
    assert sm4.gcm_decrypt(GCM_KEY, blob, aad=GCM_AAD) == GCM_PLAINTEXT


def test_gcm_random_nonce_and_round_trip() -> None:
    key = os.urandom(16)
    first = sm4.gcm_encrypt(key, b"same message")
    second = sm4.gcm_encrypt(key, b"same message")
    assert first[:12] != second[:12]
    assert len(first) == 12 + len(b"same message") + 16
    assert sm4.gcm_decrypt(key, first) == sm4.gcm_decrypt(key, second) == b"same message"
    assert sm4.gcm_decrypt(key, sm4.gcm_encrypt(key, b"")) == b""


@pytest.mark.parametrize("position", [0, 11, 12, 12 + 63, 12 + 64, 12 + 64 + 15])
def test_gcm_rejects_any_altered_byte(position: int) -> None:
    blob = bytearray(GCM_NONCE + GCM_CIPHERTEXT + GCM_TAG)
    blob[position] ^= 0x01
    with pytest.raises(DecryptionError):
        sm4.gcm_decrypt(GCM_KEY, bytes(blob), aad=GCM_AAD)


def test_gcm_rejects_wrong_key_aad_and_truncation() -> None:
    blob = sm4.gcm_encrypt(KEY, b"payload", aad=b"context")
    with pytest.raises(DecryptionError):
        sm4.gcm_decrypt(os.urandom(16), blob, aad=b"context")
    with pytest.raises(DecryptionError):
        sm4.gcm_decrypt(KEY, blob, aad=b"other context")
    with pytest.raises(DecryptionError):
        sm4.gcm_decrypt(KEY, blob)
    with pytest.raises(DecryptionError):
        sm4.gcm_decrypt(KEY, blob[:-1])
    with pytest.raises(InvalidCiphertextError):
        sm4.gcm_decrypt(KEY, blob[:27])
    with pytest.raises(InvalidCiphertextError):
        sm4.gcm_decrypt(KEY, b"")


def test_gcm_rejects_bad_nonce_length() -> None:
    with pytest.raises(CryptoError):
        sm4.gcm_encrypt(KEY, b"x", nonce=b"\x00" * 16)


@pytest.mark.parametrize("bad_key", [b"", b"\x00" * 15, b"\x00" * 17, b"\x00" * 32])
def test_bad_key_lengths_rejected(bad_key: bytes) -> None:
    for call in (
        lambda: sm4.encrypt_block(bad_key, KEY),
        lambda: sm4.gcm_encrypt(bad_key, b"x"),
        lambda: sm4.gcm_decrypt(bad_key, b"\x00" * 40),
        lambda: sm4.cbc_encrypt(bad_key, KEY, b"x"),
        lambda: sm4.cbc_decrypt(bad_key, KEY, b"\x00" * 16),
    ):
        with pytest.raises(InvalidKeyError):
            call()


def test_key_must_be_bytes() -> None:
    with pytest.raises(InvalidKeyError):
        sm4.gcm_encrypt("0123456789abcdef", b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 31, 32, 33, 1000])
def test_cbc_interoperates_with_gmssl(length: int) -> None:
    key, iv, data = os.urandom(16), os.urandom(16), os.urandom(length)
    ours = sm4.cbc_encrypt(key, iv, data)
    assert len(ours) == (length // 16 + 1) * 16
    assert ours == gmssl_cipher(key, SM4_ENCRYPT).crypt_cbc(iv, data)
    assert sm4.cbc_decrypt(key, iv, ours) == data
    theirs = gmssl_cipher(key, SM4_ENCRYPT).crypt_cbc(iv, data)
    assert sm4.cbc_decrypt(key, iv, theirs) == data
    assert gmssl_cipher(key, SM4_DECRYPT).crypt_cbc(iv, ours) == data


def test_cbc_rejects_bad_padding_lengths_and_iv() -> None:
    key, iv = os.urandom(16), os.urandom(16)
    # A final block that decrypts to a byte sequence that is not PKCS#7 padding.
    forged = sm4.cbc_encrypt(key, iv, b"A" * 16)[:16]
    with pytest.raises(DecryptionError):
        sm4.cbc_decrypt(key, iv, forged)
    with pytest.raises(InvalidCiphertextError):
        sm4.cbc_decrypt(key, iv, b"")
    with pytest.raises(InvalidCiphertextError):
        sm4.cbc_decrypt(key, iv, b"\x00" * 17)
    with pytest.raises(CryptoError):
        sm4.cbc_encrypt(key, b"\x00" * 12, b"x")
    with pytest.raises(CryptoError):
        sm4.cbc_decrypt(key, b"\x00" * 12, b"\x00" * 16)
