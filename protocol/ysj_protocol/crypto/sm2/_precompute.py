"""Precomputed SM2 ephemeral values: the message-independent half of an encryption, made ahead.

The costly part of an encryption (C1 = k*G and k*P_B, Python holding the GIL) does not depend
on the message, only on k and the recipient's key. For keys encrypted to repeatedly (from the
second use on, the same policy as the per-key comb tables) a daemon thread keeps a few ready
values per key: C1 and x2||y2, never k itself. :func:`encrypt` takes one when there is one (each
is removed under a lock and used once) and computes on the spot otherwise, so a call with a warm
pool is only KDF, XOR and SM3; the ciphertext is standard SM2 either way. A pool is refilled up
to ``_POOL_HIGH`` values when it drops below ``_POOL_LOW``, in the background, pausing between
products so that request threads get the GIL. A forked child drops every inherited value
(``os.register_at_fork``, plus a process-id check; two processes must never use the same k).
``YSJ_SM2_PRECOMPUTE=0`` (read at import) or :func:`set_precompute` turns this off; it is on by
default. A ready value is as secret as k (x2||y2 decrypts its ciphertext), so it lives only in
this process's memory.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import threading
import time
from collections import OrderedDict, deque

from ..errors import CryptoError
from . import _curve
from ._curve import (
    _KEY_COMB_CACHE_SIZE,
    N,
    Point,
    _int_bytes,
    _is_repeated_key,
    _mul_base,
    _mul_key_quietly,
    _on_curve,
)
from ._keys import PublicKey

# Pools are keyed by the public-key point, most recently used last; each holds (C1, x2||y2)
# pairs, 64 bytes each. _filling holds the keys the refill thread is bringing back up to
# _POOL_HIGH. _pool_generation changes whenever values are dropped (off switch, fork), so
# that a value computed before the drop is never added after it.
_POOL_HIGH = 8
_POOL_LOW = 4
_POOL_KEYS = _KEY_COMB_CACHE_SIZE
_REFILL_DELAY = 0.002  # after a wake-up: let the burst of encryptions that caused it finish
_REFILL_PAUSE = 0.0002  # after each product: a real sleep, so that a waiting thread takes the GIL
_REFILL_ERROR_PAUSE = 1.0
_OFF_VALUES = {"0", "false", "no", "off"}

_log = logging.getLogger(__package__)  # one logger for the whole of sm2
# k for pooled values comes from the OS CSPRNG like secrets.randbelow; a separate instance, so
# that a test faking secrets.randbelow in the foreground can never seed the pools.
_pool_random = secrets.SystemRandom()
_enabled = os.environ.get("YSJ_SM2_PRECOMPUTE", "1").strip().lower() not in _OFF_VALUES
_pool_lock = threading.Lock()
_pools: OrderedDict[Point, deque[tuple[bytes, bytes]]] = OrderedDict()
_filling: set[Point] = set()
_pool_generation = 0
_pool_pid = os.getpid()
_refill_wake = threading.Event()
_refill_thread: threading.Thread | None = None
_stopping = False


def precompute_enabled() -> bool:
    """Whether :func:`encrypt` uses precomputed ephemeral values (``YSJ_SM2_PRECOMPUTE``)."""
    return _enabled


def set_precompute(enabled: bool) -> None:
    """Turn precomputation on or off; turning it off drops every ready value at once."""
    global _enabled
    _enabled = bool(enabled)
    if not _enabled:
        _drop_ready()


def ready_count(public_key: PublicKey | None = None) -> int:
    """Ready values for ``public_key``, or for all keys: for diagnostics and tests."""
    with _pool_lock:
        if _pool_pid != os.getpid():
            return 0
        if public_key is None:
            return sum(len(pool) for pool in _pools.values())
        pool = _pools.get((public_key.x, public_key.y))
        return 0 if pool is None else len(pool)


def _drop_ready() -> None:
    """Forget every ready value and every pool (values being computed are discarded too)."""
    global _pool_generation
    with _pool_lock:
        _pools.clear()
        _filling.clear()
        _pool_generation += 1


def _take_ready(point: Point) -> tuple[bytes, bytes] | None:
    """Remove and return a ready value for ``point``, or None: the caller computes on the spot.

    A key gets a pool from its second use on (it is then in the comb cache's records).
    """
    if not _enabled:
        return None
    refill = False
    with _pool_lock:
        if _pool_pid != os.getpid():
            # A fork that skipped the at-fork hooks: nothing inherited may be used.
            _reset_after_fork()
            return None
        pool = _pools.get(point)
        if pool is None:
            if not _is_repeated_key(point):
                return None  # first use; the on-the-spot path records the key
            pool = _pools[point] = deque()
            while len(_pools) > _POOL_KEYS:
                evicted, _ = _pools.popitem(last=False)
                _filling.discard(evicted)
        else:
            _pools.move_to_end(point)
        ready = pool.popleft() if pool else None
        if len(pool) < _POOL_LOW and point not in _filling:
            _filling.add(point)
            refill = True
    if refill:
        _wake_refill()
    return ready


def _make_ready(point: Point, k: int, pause: float = 0.0) -> tuple[bytes, bytes]:
    """(x1||y1, x2||y2) for k; k itself is not kept. ``pause`` seconds of sleep between products.

    The key's comb is used when there is one, without counting as a use in its LRU order.
    Both points are checked here, off the critical path, so that a fault in the tables can
    never turn into an undecryptable ciphertext.
    """
    x1, y1 = _mul_base(k)
    if pause:
        time.sleep(pause)
    x2, y2 = _mul_key_quietly(k, point)
    if not (_on_curve(x1, y1) and _on_curve(x2, y2)):
        raise CryptoError("precomputed SM2 value is not on the curve")
    return _int_bytes(x1) + _int_bytes(y1), _int_bytes(x2) + _int_bytes(y2)


def _put_ready(point: Point, ready: tuple[bytes, bytes], generation: int) -> bool:
    """Add a value computed under ``generation``; False when it was dropped instead."""
    with _pool_lock:
        if generation != _pool_generation or not _enabled:
            return False
        pool = _pools.get(point)
        if pool is None or len(pool) >= _POOL_HIGH:
            return False
        pool.append(ready)
        return True


def _fill_pool(public_key: PublicKey, count: int = _POOL_HIGH) -> int:
    """Add up to ``count`` values for a key now, in this thread: for benchmarks and tests.

    The pool is created if needed; returns how many values were added (none when off).
    """
    point = (public_key.x, public_key.y)
    with _pool_lock:
        if not _enabled:
            return 0
        if point not in _pools:
            _pools[point] = deque()
        generation = _pool_generation
    added = 0
    for _ in range(count):
        if not _put_ready(point, _make_ready(point, _pool_random.randrange(1, N)), generation):
            break
        added += 1
    return added


def _next_refill() -> tuple[Point, int] | None:
    """The emptiest pool still below its high-water mark, with the current generation."""
    with _pool_lock:
        if not _enabled or _stopping or _pool_pid != os.getpid():
            return None
        best: Point | None = None
        best_len = _POOL_HIGH
        for point in list(_filling):
            pool = _pools.get(point)
            if pool is None or len(pool) >= _POOL_HIGH:
                _filling.discard(point)
            elif len(pool) < best_len:
                best, best_len = point, len(pool)
        return None if best is None else (best, _pool_generation)


def _refill_loop() -> None:
    """The daemon thread: wait for a wake-up, then top up the pools one value at a time."""
    while not _stopping:
        _refill_wake.wait()
        _refill_wake.clear()
        try:
            time.sleep(_REFILL_DELAY)
            while (job := _next_refill()) is not None:
                point, generation = job
                try:
                    ready = _make_ready(point, _pool_random.randrange(1, N), _REFILL_PAUSE)
                except Exception:
                    _log.exception("SM2 precomputation failed; this key's pool is left as it is")
                    with _pool_lock:
                        _filling.discard(point)
                    time.sleep(_REFILL_ERROR_PAUSE)
                    continue
                _put_ready(point, ready, generation)
                time.sleep(_REFILL_PAUSE)
        except Exception:  # pragma: no cover - the loop itself must never die
            _log.exception("SM2 precomputation loop failed; continuing")
            time.sleep(_REFILL_ERROR_PAUSE)


def _wake_refill() -> None:
    """Wake the refill thread, starting it on first need (daemon: never delays exit)."""
    global _refill_thread
    thread = _refill_thread
    if thread is None or not thread.is_alive():
        with _pool_lock:
            thread = _refill_thread
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=_refill_loop, name="sm2-precompute", daemon=True)
                try:
                    thread.start()
                except RuntimeError:  # interpreter shutting down: encrypt on the spot
                    return
                _refill_thread = thread
    _refill_wake.set()


def _reset_after_fork() -> None:
    """In a forked child: drop every inherited value and every lock a parent thread may hold.

    The parent's refill thread does not exist in the child; a new one starts on first need.
    """
    global _pool_lock, _pools, _filling, _pool_generation, _pool_pid
    global _refill_wake, _refill_thread
    _pool_lock = threading.Lock()
    _pools = OrderedDict()
    _filling = set()
    _pool_generation += 1
    _pool_pid = os.getpid()
    _refill_wake = threading.Event()
    _refill_thread = None
    # The comb cache's lock too: a fork that skipped the at-fork hooks reaches it only from here.
    _curve._reset_after_fork()


def _stop_refill() -> None:
    """At exit: the refill thread stops at its next check (it is a daemon; nothing waits for it)."""
    global _stopping
    _stopping = True
    _refill_wake.set()


os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(_stop_refill)
