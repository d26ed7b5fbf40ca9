"""The governance home page (and its charts) at 100 and at 10,000 scenario lists.

The data is ``bench_admin``'s (lists in every state with their confirmations and governance log,
catalog entries, one publication with four deliveries per published object, of which about 3%
are not delivered), plus 20,000 records of calls the hub made to the four regional nodes over the
last 24 hours and 2,000 refusals it answered, the same at both sizes. Measured through Django's
test client, as SH's region administrator and as a superuser:

- the home page (``/admin/``): time, number of queries, page weight in bytes;
- the charts page (``/admin/dashboard/charts/``).

Targets: the same number of queries at both sizes, the best time at 10,000 not above 3x the best
at 100, and the page weight at 10,000 not above 1.25x: the page shows at most ten rows per list,
and at 100 lists some of its lists (SH's rejected registrations: two or three) are not yet full.
Exit status 1 if a target is missed. ``--quick``: fewer rounds; ``--verbose``: the slowest
queries of each page.

The data goes to a throwaway database (``bench_admin.create_database``: a temporary SQLite file,
or with DATABASE_URL a PostgreSQL database with the suffix ``_admin_bench``), destroyed at the end.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import time
from datetime import timedelta

import bench_admin as base  # sets up Django on the throwaway database's settings
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

CALLS = 20_000
REFUSALS = 2_000
MAX_WEIGHT_RATIO = 1.25


def add_calls() -> None:
    """Calls to the nodes over the last 24 hours (both account forms), some failed; refusals served."""
    from trust.models import EnvelopeCall

    rng = random.Random(7)
    now = timezone.now()
    codes = list(base.REGIONS)
    rows = []
    for i in range(CALLS):
        code = codes[i % len(codes)]
        failed = rng.random() < 0.03
        rows.append(
            EnvelopeCall(
                direction="out",
                account_id=code if i % 3 else f"region-{code.lower()}",
                endpoint="/api/v1/certificates/search",
                http_status=0 if failed else 200,
                status_code="" if failed else "0",
                latency_ms=3000.0 if failed else rng.lognormvariate(3.5, 0.6),
                error="timeout" if failed else "",
            )
        )
    for i in range(REFUSALS):
        rows.append(
            EnvelopeCall(
                direction="in",
                account_id=f"app-{i % 200:04d}",
                endpoint="/api/v1/certificates/search",
                http_status=200,
                status_code=rng.choice(["1003", "1005", "1007", "2001", "3001"]),
                latency_ms=2.0,
            )
        )
    created = EnvelopeCall.objects.bulk_create(rows, batch_size=base.BATCH)
    stamps = [now - timedelta(seconds=rng.randint(0, 24 * 3600 - 1)) for _ in created]
    for row, stamp in zip(created, stamps, strict=True):
        row.created_at = stamp
    EnvelopeCall.objects.bulk_update(created, ["created_at"], batch_size=base.BATCH)


def measure(client: Client, url: str, rounds: int) -> tuple[float, float, int, int]:
    """Best and median milliseconds, queries and bytes of one page."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    counts, samples = set(), []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        counts.add(len(queries))
    if len(counts) != 1:
        raise AssertionError(
            f"{url}: the number of queries varies between identical requests: {sorted(counts)}"
        )
    if "--verbose" in sys.argv:
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    return min(samples) * 1000, statistics.median(samples) * 1000, counts.pop(), len(response.content)


def main() -> int:
    from django.contrib.auth import get_user_model

    rounds = 7 if "--quick" in sys.argv else 21
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    original_name = base.create_database()
    try:
        data = base.Dataset()
        add_calls()
        root = get_user_model().objects.create_superuser("root_bench")
        clients = {}
        for name, user in (("SH", data.admins["SH"]), ("superuser", root)):
            clients[name] = Client()
            clients[name].force_login(user)
        pages = {
            ("首页", "SH"): reverse("admin:index"),
            ("首页", "superuser"): reverse("admin:index"),
            ("运行图表", "SH"): reverse("dashboard:charts"),
            ("运行图表", "superuser"): reverse("dashboard:charts"),
        }
        results: dict[int, dict] = {}
        for size in (base.SMALL, base.LARGE):
            started = time.perf_counter()
            data.grow(size)
            print(f"{size:>6} lists and entries loaded in {time.perf_counter() - started:.1f} s", flush=True)
            results[size] = {}
            for (page, who), url in pages.items():
                if "--verbose" in sys.argv:
                    print(f"  {page} as {who} at {size}:")
                results[size][(page, who)] = measure(clients[who], url, rounds)
        print(
            f"\nhome page and charts ({connection.vendor}, {CALLS:,} calls in 24 h; best / median of {rounds}):"
        )
        print(
            f"  {'page':<16} {'ms@100':>13} {'ms@10k':>13} {'ratio':>6} {'queries':>9} {'bytes@100/10k':>15}"
        )
        ok = True
        for key in pages:
            small_ms, small_median, small_q, small_bytes = results[base.SMALL][key]
            large_ms, large_median, large_q, large_bytes = results[base.LARGE][key]
            ratio = large_ms / small_ms
            page_ok = (
                ratio <= base.MAX_RATIO
                and small_q == large_q
                and large_bytes <= small_bytes * MAX_WEIGHT_RATIO
            )
            ok &= page_ok
            label = f"{key[0]}（{key[1]}）"
            print(
                f"  {label:<14} {small_ms:6.1f}/{small_median:6.1f} {large_ms:6.1f}/{large_median:6.1f} {ratio:5.2f}x "
                f"{small_q:>4}/{large_q:<4} {small_bytes:>7}/{large_bytes:<7}{'' if page_ok else ' <-- MISSED'}"
            )
        if not ok:
            print(
                f"TARGET MISSED: equal query counts, at most {base.MAX_RATIO}x the time and "
                f"{MAX_WEIGHT_RATIO}x the bytes of the 100-list page at 10,000 lists"
            )
        return 0 if ok else 1
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        shutil.rmtree(base._TMP, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
