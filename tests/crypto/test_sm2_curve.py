"""Point arithmetic: the fixed-base comb and the affine addition agree with fastecdsa."""

from __future__ import annotations

import secrets

import pytest

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError

G = (sm2.GX, sm2.GY)

EDGE_SCALARS = [
    1,
    2,
    3,
    62,
    63,
    64,
    65,
    (1 << 6) ** 2 - 1,
    1 << 252,
    (1 << 252) - 1,
    1 << 255,
    (1 << 256) % sm2.N,
    sm2.N >> 1,
    sm2.N - 64,
    sm2.N - 2,
    sm2.N - 1,
    int("3F" * 32, 16) % sm2.N,
]


@pytest.mark.parametrize("k", EDGE_SCALARS)
def test_comb_matches_fastecdsa_on_edge_scalars(k: int) -> None:
    assert sm2._mul_base(k) == sm2._mul(k, G)


def test_comb_matches_fastecdsa_on_random_scalars() -> None:
    for _ in range(300):
        k = secrets.randbelow(sm2.N - 1) + 1
        assert sm2._mul_base(k) == sm2._mul(k, G)


def test_comb_results_are_on_the_curve() -> None:
    for _ in range(50):
        assert sm2._on_curve(*sm2._mul_base(secrets.randbelow(sm2.N - 1) + 1))


def test_comb_rejects_zero() -> None:
    with pytest.raises(CryptoError):
        sm2._mul_base(0)


def test_comb_table_shape() -> None:
    sm2._mul_base(1)
    table = sm2._comb_table
    assert table is not None
    assert len(table) == 43 and all(len(row) == 63 for row in table)
    assert table[0][0] == G
    assert table[1][0] == sm2._mul(64, G)
    assert table[42][62] == sm2._mul(63 << 252, G)


def test_affine_addition_special_cases() -> None:
    p = sm2._mul(5, G)
    negative = (p[0], (-p[1]) % sm2.P)
    assert sm2._add(p, negative) is None
    assert sm2._add(p, p) == sm2._mul(10, G)
    assert sm2._add(None, p) == p
    assert sm2._add(p, None) == p
    assert sm2._add(p, sm2._mul(7, G)) == sm2._mul(12, G)


def test_variable_base_multiplication_of_a_public_key() -> None:
    d = secrets.randbelow(sm2.N - 2) + 1
    k = secrets.randbelow(sm2.N - 1) + 1
    public = sm2.PrivateKey.from_int(d).public_key
    # k * (d * G) == d * (k * G) == (k * d mod n) * G: what ECDH-style decryption relies on.
    assert sm2._mul(k, (public.x, public.y)) == sm2._mul(d, sm2._mul_base(k)) == sm2._mul_base(k * d % sm2.N)
