"""Variable-base products through OpenSSL agree with fastecdsa, and the fallback works without it."""

from __future__ import annotations

import secrets

import pytest

from ysj_protocol.crypto import _openssl_ec, sm2
from ysj_protocol.crypto.sm2 import _curve

G = (sm2.GX, sm2.GY)

pytestmark = pytest.mark.skipif(not _curve._openssl_ready(), reason="libcrypto without the SM2 curve")


@pytest.mark.parametrize("k", [1, 2, 3, sm2.N - 2, sm2.N - 1, 1 << 255, (1 << 256) % sm2.N])
def test_openssl_matches_fastecdsa_on_edge_scalars(k: int) -> None:
    point = _curve._mul_fastecdsa(0xC0FFEE, G)
    assert _openssl_ec.mul(k, *point) == _curve._mul_fastecdsa(k, point)


def test_openssl_matches_fastecdsa_on_random_points_and_scalars() -> None:
    for _ in range(50):
        point = _curve._mul_base(secrets.randbelow(sm2.N - 1) + 1)
        k = secrets.randbelow(sm2.N - 1) + 1
        assert _openssl_ec.mul(k, *point) == _curve._mul_fastecdsa(k, point)


def test_point_off_the_curve_is_refused_not_multiplied() -> None:
    assert _openssl_ec.mul(5, sm2.GX, sm2.GY + 1) is None


def test_decryption_falls_back_to_fastecdsa_when_openssl_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    key = sm2.PrivateKey.generate()
    ciphertext = sm2.encrypt(key.public_key, b"fallback")
    # Simulates a libcrypto without SM2, which this machine cannot produce for real.
    monkeypatch.setattr(_openssl_ec, "mul", lambda k, x, y: None)
    assert sm2.decrypt(key, ciphertext) == b"fallback"
