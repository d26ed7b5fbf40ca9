"""The evidence log on PostgreSQL: appending, the served call's added latency, verification and proofs.

1. Appending: 16 concurrent writers (processes, one connection each) commit one pending entry per
   transaction, as served calls do, while one integrator integrates in batches beside them.
   Target: at least 2,000 entries per second; afterwards no gap, no duplicate, nothing pending.
2. The served call's added latency: the commit of a 12.2.1-like call (its record in one
   transaction) with and without its evidence entry, sequentially; p50 and p95 of each.
3. A log of 1,000,000 entries (``--size N`` for another; ``--quick``: 100,000): the leaves are
   bulk-loaded as pending entries with COPY, then integrated by the integrator in batches.
   ``verify_evidence`` over it (target: at most 60 s), then inclusion and consistency proofs for
   random entries (target: p95 of an inclusion proof under 20 ms).

The data goes to a throwaway database created here and destroyed at the end: with DATABASE_URL
(PostgreSQL) a database named after it with the suffix ``_evidence_bench``, otherwise
``ysj_evidence_bench`` on 127.0.0.1:5432. Exit status 1 if a target is missed. ``--keep`` keeps
the database (drop it afterwards); ``--append-only`` measures appending alone (1).
"""

from __future__ import annotations

import os
import random
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "protocol"))

_TMP = tempfile.mkdtemp(prefix="ysj-evidence-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ysj_portal.settings")
os.environ["YSJ_VAR_DIR"] = _TMP
(Path(_TMP) / "static").mkdir()
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ysj_evidence")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("YSJ_DATA_KEY", secrets.token_hex(16))
os.environ["LOG_LEVEL"] = "WARNING"

from ysj_protocol.crypto import sm2  # noqa: E402

os.environ.setdefault("YSJ_HUB_PRIVATE_KEY", sm2.PrivateKey.generate().hex())

import django  # noqa: E402

django.setup()

from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from evidence import leaf, tree  # noqa: E402
from evidence.append import append  # noqa: E402
from evidence.integrate import integrate  # noqa: E402
from evidence.models import EntryKind, EvidenceEntry, PendingEntry  # noqa: E402
from evidence.verify import verify_log  # noqa: E402
from ysj_protocol.records import SERVED, CallRecord  # noqa: E402

WRITERS = 16
APPEND_SECONDS = 10.0
APPEND_TARGET = 2000.0
VERIFY_TARGET_S = 60.0
PROOF_TARGET_MS = 20.0
LATENCY_CALLS = 1000


def call_leaf(n: int) -> bytes:
    return leaf.encode(EntryKind.SERVED, {
        "account": "app-bench", "application": "app-bench", "at": timezone.now(), "bizNum": f"BIZ-{n}",
        "direction": "in", "endpoint": "/api/v1/certificates/search", "holder": f"{n % 9973:064x}",
        "httpStatus": 200, "operator": "王五", "region": "SH", "relayingRegion": "", "requestDigest": f"{n:064x}",
        "requestId": f"{n:032x}", "responseDigest": f"{n + 1:064x}", "scenario": "SC-ALL", "status": "0",
    })


def create_database() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        raise SystemExit("bench_evidence measures PostgreSQL: set DATABASE_URL=postgres://...")
    original = db["NAME"]
    db.setdefault("TEST", {})["NAME"] = f"{original}_evidence_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return original


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------- 1. appending
def _writer(number: int, seconds: float, results, durable: bool = True) -> None:
    """One writer process: one pending entry per transaction, as a served call commits it."""
    from django.db import connection as own

    if not durable:  # the comparison run: commits without waiting for the WAL flush
        with own.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")
    count, error = 0, ""
    n = number * 10_000_000
    deadline = time.perf_counter() + seconds
    try:
        while time.perf_counter() < deadline:
            with transaction.atomic():
                append([call_leaf(n)])
            n += 1
            count += 1
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        error = repr(exc)
    finally:
        own.close()
    results.put((count, error))


def bench_append(*, durable: bool = True) -> bool:
    """Writers are processes (as the hub's web workers are), each with its own connection.

    ``durable=False`` repeats it with ``synchronous_commit`` off in the writers, to tell the cost
    of the server's WAL flush (fsync) apart from the cost of appending.
    """
    import multiprocessing

    base = tree.log_size()
    connection.close()  # the children open their own connections; none is shared across the fork
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    stop = threading.Event()
    integrated = [0]

    def integrator() -> None:
        try:
            while not stop.is_set():
                integrated[0] += integrate(sign=True).integrated
                stop.wait(0.2)
        finally:
            connection.close()

    processes = [context.Process(target=_writer, args=(i, APPEND_SECONDS, results, durable)) for i in range(WRITERS)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    integrator_thread = threading.Thread(target=integrator)
    integrator_thread.start()
    outcomes = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    stop.set()
    integrator_thread.join()
    total = sum(count for count, _ in outcomes)
    errors = [error for _, error in outcomes if error]
    lag = PendingEntry.objects.count()
    drain_started = time.perf_counter()
    integrate()
    drain = time.perf_counter() - drain_started
    size = tree.log_size()
    distinct = EvidenceEntry.objects.values("leaf_hash").distinct().count()
    contiguous = EvidenceEntry.objects.count() == size
    rate = total / elapsed
    total += base
    ok = not errors and size == total and distinct == total and contiguous and not PendingEntry.objects.exists()
    ok = ok and (rate >= APPEND_TARGET or not durable)
    print(f"appending, {WRITERS} writer processes, one entry per transaction, integrator beside them "
          f"({elapsed:.1f} s{'' if durable else ', synchronous_commit off: the WAL flush not waited for'}):")
    print(f"  {total - base} entries committed: {rate:,.0f} entries/s"
          f"{f' (target >= {APPEND_TARGET:,.0f})' if durable else ''}")
    print(f"  integrated while writing: {integrated[0]}; pending when the writers stopped: {lag}, "
          f"drained in {drain:.2f} s")
    print(f"  log size {size}, distinct leaves {distinct}, indexes contiguous: {contiguous}, errors: {len(errors)}")
    if errors:
        print(f"  first error: {errors[0]}")
    if not ok:
        print("TARGET MISSED: appending")
    return ok


# ---------------------------------------------------------------------------- 2. added latency
def bench_latency() -> None:
    from trust import calls
    from trust.work import CallWork, commit

    def record(n: int) -> CallRecord:
        return CallRecord(direction=SERVED, account_id="app-bench", endpoint="/api/v1/trust/apps/register",
                          http_status=200, status_code="0", latency_ms=1.0, request_digest=f"{n:064x}",
                          response_digest=f"{n:064x}", biz_num="", request_id=f"{n:032x}")

    def measure() -> list[float]:
        times = []
        for n in range(LATENCY_CALLS):
            started = time.perf_counter()
            commit(CallWork(), record(n))
            times.append((time.perf_counter() - started) * 1000)
        return times

    writer = calls._entry_writer
    with_entry = measure()
    calls.register_entry_writer(lambda records, rows, context: None)  # the record alone, as before the log
    try:
        without = measure()
    finally:
        calls.register_entry_writer(writer)
    with_entry = measure()  # again, after the same warm-up as the other
    p50w, p95w = percentile(with_entry, 0.5), percentile(with_entry, 0.95)
    p50o, p95o = percentile(without, 0.5), percentile(without, 0.95)
    print(f"a served call's commit (its record, {LATENCY_CALLS} calls in sequence):")
    print(f"  without the entry: p50 {p50o:.2f} ms, p95 {p95o:.2f} ms")
    print(f"  with the entry:    p50 {p50w:.2f} ms, p95 {p95w:.2f} ms; added at p95: {p95w - p95o:+.2f} ms")


# ---------------------------------------------------------------------------- 3. a large log
def bulk_load(size: int) -> float:
    """COPY ``size`` pending entries, then integrate them; returns the seconds of the integration."""
    started = time.perf_counter()
    now = timezone.now()
    raw = connection.connection  # the psycopg connection under Django's
    with raw.cursor() as cursor, cursor.copy("COPY evidence_pendingentry (leaf, created_at) FROM STDIN") as copy:
        for n in range(size):
            copy.write_row((call_leaf(n), now))
    raw.commit() if not raw.autocommit else None
    loaded = time.perf_counter() - started
    print(f"  {size:,} leaves encoded and copied as pending entries in {loaded:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE evidence_pendingentry")
    started = time.perf_counter()
    integrate(batch_size=20_000)
    seconds = time.perf_counter() - started
    print(f"  integrated in {seconds:.1f} s ({size / seconds:,.0f} entries/s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return seconds


def bench_large(size: int) -> bool:
    print(f"a log of {size:,} entries more:")
    base = tree.log_size() + PendingEntry.objects.count()
    bulk_load(size)
    total = tree.log_size()
    assert total == base + size, (total, base, size)
    started = time.perf_counter()
    report = verify_log()
    verify_s = time.perf_counter() - started
    print(f"  verify_evidence: {report.size:,} entries, {report.checkpoints} checkpoints in {verify_s:.1f} s "
          f"(target <= {VERIFY_TARGET_S:.0f} s); problems: {len(report.problems)}")
    rng = random.Random(7)
    inclusion, consistency = [], []
    for _ in range(500):
        index = rng.randrange(total)
        close_old_connections()
        started = time.perf_counter()
        tree.inclusion_proof(index, total)
        inclusion.append((time.perf_counter() - started) * 1000)
        old = rng.randrange(1, total)
        started = time.perf_counter()
        tree.consistency_proof(old, total)
        consistency.append((time.perf_counter() - started) * 1000)
    p50, p95, worst = percentile(inclusion, 0.5), percentile(inclusion, 0.95), max(inclusion)
    print(f"  inclusion proof at {total:,}: p50 {p50:.2f} ms, p95 {p95:.2f} ms, max {worst:.2f} ms "
          f"(target p95 < {PROOF_TARGET_MS:.0f} ms)")
    print(f"  consistency proof to {total:,}: p50 {percentile(consistency, 0.5):.2f} ms, "
          f"p95 {percentile(consistency, 0.95):.2f} ms")
    ok = report.ok and verify_s <= VERIFY_TARGET_S and p95 < PROOF_TARGET_MS
    if not ok:
        print("TARGET MISSED: verification or proofs of the large log")
    return ok


def main() -> int:
    quick = "--quick" in sys.argv
    size = 100_000 if quick else 1_000_000
    if "--size" in sys.argv:
        size = int(sys.argv[sys.argv.index("--size") + 1])
    original = create_database()
    try:
        ok = bench_append()
        if "--append-only" in sys.argv:
            return 0 if ok else 1
        bench_append(durable=False)
        bench_latency()
        ok = bench_large(size) and ok
        return 0 if ok else 1
    finally:
        if "--keep" in sys.argv:
            print(f"kept the benchmark database {connection.settings_dict['NAME']}")
        else:
            connection.close()
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
