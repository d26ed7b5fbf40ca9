"""Precomputed SM2 ephemeral values: standard ciphertexts, each value used once, fork safety."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ysj_protocol.crypto import sm2, sm3
from ysj_protocol.crypto.sm2 import _cipher, _precompute

from .sm2_data import ENC_C1, ENC_C2, ENC_C3, ENC_MESSAGE, VECTOR_K, vector_key

VECTOR_C1C3C2 = ENC_C1 + ENC_C3 + ENC_C2
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def quiet_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Precomputation on, empty pools, no background refill: pools hold what the test puts there."""
    monkeypatch.setattr(_precompute, "_enabled", True)
    monkeypatch.setattr(_precompute, "_wake_refill", lambda: None)
    monkeypatch.setattr(_precompute, "_next_refill", lambda: None)  # a thread woken earlier stops too
    _precompute._drop_ready()
    yield
    _precompute._drop_ready()


@pytest.fixture
def live_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Precomputation on with its refill thread, starting from empty pools."""
    monkeypatch.setattr(_precompute, "_enabled", True)
    _precompute._drop_ready()
    yield
    _precompute._drop_ready()


def _point(public: sm2.PublicKey) -> tuple[int, int]:
    return (public.x, public.y)


def _put(public: sm2.PublicKey, *ks: int) -> None:
    """Ready values made from the given k (the pool is created if needed)."""
    point = _point(public)
    with _precompute._pool_lock:
        pool = _precompute._pools.setdefault(point, deque())
        pool.extend(_precompute._make_ready(point, k) for k in ks)


def _pooled_c1s(public: sm2.PublicKey) -> list[bytes]:
    with _precompute._pool_lock:
        return [c1 for c1, _ in _precompute._pools.get(_point(public), ())]


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _run_python(code: str, precompute: str | None) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter with YSJ_SM2_PRECOMPUTE set to ``precompute`` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k != "YSJ_SM2_PRECOMPUTE"}
    if precompute is not None:
        env["YSJ_SM2_PRECOMPUTE"] = precompute
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.usefixtures("quiet_pool")
def test_pooled_value_gives_the_published_vector(sm3_engine: str) -> None:
    """A value made from the vector's k yields the published ciphertext, in every layout."""
    public = vector_key().public_key
    _put(public, VECTOR_K, VECTOR_K, VECTOR_K)
    assert sm2.ready_count(public) == 3
    assert sm2.encrypt(public, ENC_MESSAGE) == VECTOR_C1C3C2
    assert sm2.encrypt(public, ENC_MESSAGE, order="C1C2C3") == ENC_C1 + ENC_C2 + ENC_C3
    assert sm2.encrypt(public, ENC_MESSAGE, c1_prefix=False) == VECTOR_C1C3C2[1:]
    assert sm2.ready_count(public) == 0


@pytest.mark.usefixtures("quiet_pool")
def test_pooled_ciphertexts_decrypt() -> None:
    key = sm2.PrivateKey.generate()
    public = key.public_key
    assert _precompute._fill_pool(public) == _precompute._POOL_HIGH
    messages = [b"", b"x", os.urandom(300), os.urandom(5000)]
    pooled = _pooled_c1s(public)
    for i, message in enumerate(messages):
        ciphertext = sm2.encrypt(public, message)
        assert ciphertext[1:65] == pooled[i]  # taken from the pool, oldest first
        assert sm2.decrypt(key, ciphertext) == message
    bare = sm2.encrypt(public, b"bare", order="C1C2C3", c1_prefix=False)
    assert bare[:64] == pooled[4]
    assert sm2.decrypt(key, bare, order="C1C2C3") == b"bare"
    text = sm2.encrypt_hex(public, b'{"a": 1}')
    assert bytes.fromhex(text)[1:65] == pooled[5]
    assert sm2.decrypt_hex(key, text) == b'{"a": 1}'
    assert sm2.ready_count(public) == _precompute._POOL_HIGH - 6


@pytest.mark.usefixtures("quiet_pool")
def test_vector_path_ignores_the_pool(sm3_engine: str) -> None:
    public = vector_key().public_key
    _precompute._fill_pool(public, 2)
    assert _cipher._encrypt_with_k(public, ENC_MESSAGE, VECTOR_K) == VECTOR_C1C3C2
    assert sm2.ready_count(public) == 2


@pytest.mark.usefixtures("quiet_pool")
def test_all_zero_key_stream_drops_the_pooled_value(monkeypatch: pytest.MonkeyPatch) -> None:
    key = sm2.PrivateKey.generate()
    _precompute._fill_pool(key.public_key, 2)
    first, second = _pooled_c1s(key.public_key)
    real = sm3._kdf_xor
    calls: list[bytes] = []

    def first_stream_all_zero(z: bytes, data: bytes) -> tuple[bytes, bool]:
        calls.append(z)
        return (data, False) if len(calls) == 1 else real(z, data)

    monkeypatch.setattr(sm3, "_kdf_xor", first_stream_all_zero)
    ciphertext = sm2.encrypt(key.public_key, b"retry")
    monkeypatch.setattr(sm3, "_kdf_xor", real)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert ciphertext[1:65] == second != first
    assert sm2.ready_count(key.public_key) == 0  # the rejected value is gone too
    assert sm2.decrypt(key, ciphertext) == b"retry"


@pytest.mark.usefixtures("quiet_pool")
def test_a_key_seen_once_gets_no_pool() -> None:
    public = sm2.PrivateKey.generate().public_key
    sm2.encrypt(public, b"once")
    assert _point(public) not in _precompute._pools
    assert sm2.ready_count(public) == 0
    sm2.encrypt(public, b"twice")
    assert _point(public) in _precompute._pools


@pytest.mark.usefixtures("live_pool")
def test_refill_thread_fills_a_repeated_key_and_values_are_used() -> None:
    key = sm2.PrivateKey.generate()
    public = key.public_key
    sm2.encrypt(public, b"once")
    time.sleep(0.05)
    assert sm2.ready_count(public) == 0
    sm2.encrypt(public, b"twice")  # second use: on the spot, and the pool is asked for
    assert _wait_for(lambda: sm2.ready_count(public) == _precompute._POOL_HIGH)
    thread = _precompute._refill_thread
    assert thread is not None and thread.daemon and thread.is_alive()
    pooled = set(_pooled_c1s(public))
    ciphertext = sm2.encrypt(public, b"third")
    assert ciphertext[1:65] in pooled
    assert sm2.decrypt(key, ciphertext) == b"third"
    time.sleep(0.05)
    assert sm2.ready_count(public) <= _precompute._POOL_HIGH


@pytest.mark.usefixtures("live_pool")
def test_concurrent_encryptions_never_share_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_precompute, "_POOL_HIGH", 64)
    monkeypatch.setattr(_precompute, "_POOL_LOW", 32)
    key = sm2.PrivateKey.generate()
    public = key.public_key
    sm2.encrypt(public, b"first use")
    assert _precompute._fill_pool(public, 64) == 64
    pooled = _pooled_c1s(public)
    results: list[bytes] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            start.wait()
            mine = [sm2.encrypt(public, f"{n}-{i}".encode()) for i in range(25)]
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        else:
            results.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 200
    c1s = [ciphertext[1:65] for ciphertext in results]
    assert len(set(c1s)) == 200
    assert sum(c1 in set(pooled) for c1 in c1s) == 64  # every pre-filled value, exactly once
    plaintexts = {sm2.decrypt(key, ciphertext) for ciphertext in results}
    assert plaintexts == {f"{n}-{i}".encode() for n in range(8) for i in range(25)}


@pytest.mark.usefixtures("quiet_pool")
def test_forked_child_drops_inherited_values() -> None:
    key = sm2.PrivateKey.generate()
    public = key.public_key
    sm2.encrypt(public, b"first use")
    _precompute._fill_pool(public, 5)
    pooled = _pooled_c1s(public)
    assert len(pooled) == 5
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        status = 1
        try:
            os.close(read_end)
            report = {
                "total": sm2.ready_count(),
                "key": sm2.ready_count(public),
                "pools": len(_precompute._pools),
                "ciphertext": sm2.encrypt(public, b"from the child").hex(),
            }
            os.write(write_end, json.dumps(report).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    report = json.loads(data)
    assert report["total"] == 0
    assert report["key"] == 0
    assert report["pools"] == 0
    child_ciphertext = bytes.fromhex(report["ciphertext"])
    assert child_ciphertext[1:65] not in pooled
    assert sm2.decrypt(key, child_ciphertext) == b"from the child"
    assert _pooled_c1s(public) == pooled  # the parent keeps its own


@pytest.mark.usefixtures("quiet_pool")
def test_values_from_another_process_are_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fork that bypassed the at-fork hooks is caught by the process id check."""
    public = sm2.PrivateKey.generate().public_key
    sm2.encrypt(public, b"first use")
    _precompute._fill_pool(public, 3)
    pooled = _pooled_c1s(public)
    monkeypatch.setattr(_precompute, "_pool_pid", -1)
    ciphertext = sm2.encrypt(public, b"x")
    assert ciphertext[1:65] not in pooled
    assert _precompute._pool_pid == os.getpid()
    assert sm2.ready_count() == 0


@pytest.mark.usefixtures("quiet_pool")
def test_values_computed_before_a_drop_are_discarded() -> None:
    public = sm2.PrivateKey.generate().public_key
    point = _point(public)
    _precompute._fill_pool(public, 1)
    generation = _precompute._pool_generation
    ready = _precompute._make_ready(point, 12345)
    _precompute._drop_ready()
    with _precompute._pool_lock:
        _precompute._pools[point] = deque()
    assert not _precompute._put_ready(point, ready, generation)
    assert sm2.ready_count(public) == 0


def test_off_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_precompute, "_enabled", True)
    key = sm2.PrivateKey.generate()
    public = key.public_key
    sm2.encrypt(public, b"first use")
    _precompute._fill_pool(public, 3)
    pooled = set(_pooled_c1s(public))
    assert len(pooled) == 3
    sm2.set_precompute(False)
    try:
        assert not sm2.precompute_enabled()
        assert sm2.ready_count() == 0
        for _ in range(3):
            ciphertext = sm2.encrypt(public, b"off")
            assert ciphertext[1:65] not in pooled
            assert sm2.decrypt(key, ciphertext) == b"off"
        assert _precompute._fill_pool(public) == 0
        time.sleep(0.05)
        assert sm2.ready_count() == 0
        assert _point(public) not in _precompute._pools
    finally:
        sm2.set_precompute(True)
    assert sm2.precompute_enabled()


@pytest.mark.parametrize(("value", "enabled"), [("0", False), ("off", False), ("1", True), (None, True)])
def test_environment_switch(value: str | None, enabled: bool) -> None:
    code = (
        "import threading, time\n"
        "from ysj_protocol.crypto import sm2\n"
        "key = sm2.PrivateKey.generate()\n"
        "for _ in range(3):\n"
        "    sm2.encrypt(key.public_key, b'x')\n"
        "time.sleep(0.3)\n"
        "names = [t.name for t in threading.enumerate()]\n"
        "print(sm2.precompute_enabled(), sm2.ready_count() > 0, 'sm2-precompute' in names)\n"
    )
    result = _run_python(code, value)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(enabled)] * 3


def test_refill_thread_does_not_delay_exit() -> None:
    """The interpreter exits while the refill thread is still working on many keys.

    The printed delay runs from the end of the script to the atexit callbacks, which come
    after the interpreter has joined every non-daemon thread.
    """
    code = (
        "import time\n"
        "from ysj_protocol.crypto import sm2\n"
        "from ysj_protocol.crypto.sm2 import _precompute\n"
        "keys = [sm2.PrivateKey.generate().public_key for _ in range(8)]\n"
        "for public in keys:\n"
        "    sm2.encrypt(public, b'x'); sm2.encrypt(public, b'x')\n"
        "time.sleep(0.01)\n"
        "assert _precompute._refill_thread is not None and _precompute._refill_thread.is_alive()\n"
        "started = time.monotonic()\n"
        "import atexit\n"
        "atexit.register(lambda: print(round(time.monotonic() - started, 3)))\n"
    )
    started = time.monotonic()
    result = _run_python(code, "1")
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.strip()) < 0.5
    assert time.monotonic() - started < 30


@pytest.mark.usefixtures("live_pool")
def test_refill_thread_survives_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_precompute, "_REFILL_ERROR_PAUSE", 0.01)
    real = _precompute._make_ready
    failures: list[int] = []

    def fails_once(point: tuple[int, int], k: int, pause: float = 0.0) -> tuple[bytes, bytes]:
        if not failures:
            failures.append(k)
            raise RuntimeError("injected")
        return real(point, k, pause)

    monkeypatch.setattr(_precompute, "_make_ready", fails_once)
    public = sm2.PrivateKey.generate().public_key
    sm2.encrypt(public, b"first use")
    sm2.encrypt(public, b"second use")  # asks for a pool; the first value fails
    assert _wait_for(lambda: bool(failures))
    time.sleep(0.05)
    assert _precompute._refill_thread is not None and _precompute._refill_thread.is_alive()
    sm2.encrypt(public, b"third use")  # still below the low-water mark: asks again
    assert _wait_for(lambda: sm2.ready_count(public) == _precompute._POOL_HIGH)


@pytest.mark.usefixtures("quiet_pool")
def test_pools_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_precompute, "_POOL_KEYS", 2)
    keys = [sm2.PrivateKey.generate().public_key for _ in range(3)]
    for public in keys:
        sm2.encrypt(public, b"1")
        sm2.encrypt(public, b"2")
    assert list(_precompute._pools) == [_point(public) for public in keys[1:]]
    assert _precompute._fill_pool(keys[2], 3 * _precompute._POOL_HIGH) == _precompute._POOL_HIGH
    assert sm2.ready_count() == _precompute._POOL_HIGH
