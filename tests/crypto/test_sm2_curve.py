"""Point arithmetic: the fixed-base comb and the affine addition agree with fastecdsa."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

import pytest

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.crypto.sm2 import _curve

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
    assert _curve._mul_base(k) == _curve._mul(k, G)


def test_comb_matches_fastecdsa_on_random_scalars() -> None:
    for _ in range(300):
        k = secrets.randbelow(sm2.N - 1) + 1
        assert _curve._mul_base(k) == _curve._mul(k, G)


def test_comb_results_are_on_the_curve() -> None:
    for _ in range(50):
        assert _curve._on_curve(*_curve._mul_base(secrets.randbelow(sm2.N - 1) + 1))


def test_comb_rejects_zero() -> None:
    with pytest.raises(CryptoError):
        _curve._mul_base(0)


def test_comb_table_shape() -> None:
    _curve._mul_base(1)
    comb = _curve._g_comb
    assert comb is not None
    rows = comb._rows
    assert len(rows) == 43 and all(len(row) == 63 for row in rows)
    assert rows[0][0] == G
    assert rows[1][0] == _curve._mul(64, G)
    assert rows[42][62] == _curve._mul(63 << 252, G)


@pytest.mark.parametrize("k", EDGE_SCALARS)
def test_key_comb_matches_fastecdsa(k: int) -> None:
    point = _curve._mul(0xC0FFEE, G)
    assert _curve._Comb(point, 5).mul(k) == _curve._mul(k, point)


def test_key_comb_on_random_keys_and_scalars() -> None:
    for _ in range(5):
        public = sm2.PrivateKey.generate().public_key
        point = (public.x, public.y)
        comb = _curve._Comb(point, 5)
        for _ in range(40):
            k = secrets.randbelow(sm2.N - 1) + 1
            assert comb.mul(k) == _curve._mul(k, point)


@pytest.fixture
def empty_key_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_curve, "_key_combs", OrderedDict())
    monkeypatch.setattr(_curve, "_keys_seen", OrderedDict())


@pytest.mark.usefixtures("empty_key_cache")
def test_key_table_is_built_from_the_second_use() -> None:
    public = sm2.PrivateKey.generate().public_key
    point = (public.x, public.y)
    k = secrets.randbelow(sm2.N - 1) + 1
    expected = _curve._mul(k, point)
    assert _curve._mul_key(k, point) == expected
    assert point not in _curve._key_combs
    assert _curve._mul_key(k, point) == expected
    assert point in _curve._key_combs
    assert _curve._mul_key(k, point) == expected


@pytest.mark.usefixtures("empty_key_cache")
def test_key_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_curve, "_KEY_COMB_CACHE_SIZE", 2)
    monkeypatch.setattr(_curve, "_KEY_COMB_BITS", 2)  # small tables: a faster build for this test
    points = [_curve._mul(d, G) for d in (11, 12, 13)]
    for point in points:
        _curve._mul_key(5, point)
        _curve._mul_key(5, point)
    assert list(_curve._key_combs) == points[1:]
    assert len(_curve._keys_seen) <= 8
    assert _curve._mul_key(7, points[0]) == _curve._mul(7, points[0])


@pytest.mark.usefixtures("empty_key_cache")
def test_concurrent_use_of_one_key() -> None:
    key = sm2.PrivateKey.generate()
    messages = [secrets.token_bytes(64) for _ in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        ciphertexts = list(pool.map(lambda m: sm2.encrypt(key.public_key, m), messages))
    assert [sm2.decrypt(key, c) for c in ciphertexts] == messages


def test_affine_addition_special_cases() -> None:
    p = _curve._mul(5, G)
    negative = (p[0], (-p[1]) % sm2.P)
    assert _curve._add(p, negative) is None
    assert _curve._add(p, p) == _curve._mul(10, G)
    assert _curve._add(None, p) == p
    assert _curve._add(p, None) == p
    assert _curve._add(p, _curve._mul(7, G)) == _curve._mul(12, G)


def test_variable_base_multiplication_of_a_public_key() -> None:
    d = secrets.randbelow(sm2.N - 2) + 1
    k = secrets.randbelow(sm2.N - 1) + 1
    public = sm2.PrivateKey.from_int(d).public_key
    # k * (d * G) == d * (k * G) == (k * d mod n) * G: what ECDH-style decryption relies on.
    assert (
        _curve._mul(k, (public.x, public.y))
        == _curve._mul(d, _curve._mul_base(k))
        == _curve._mul_base(k * d % sm2.N)
    )
