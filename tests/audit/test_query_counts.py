"""Record lists cost the same queries at 100 rows and at 5,000, and never count the table.

The lists page by key (``ysj_portal.admin_records``): one bounded query per page whatever the
page and the table size. The figures at a million rows are measured by ``benchmarks/bench_admin.py``.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evidence.append import append
from evidence.calls import call_leaf
from sharing.models import Retrieval, RetrievalKind
from trust.calls import call_row
from trust.models import EnvelopeCall
from ysj_protocol.records import SERVED, CallRecord

from .conftest import client_for
from .factories import application, auditor, cosign, integrate_log, region_admin

pytestmark = pytest.mark.django_db

LISTS = (
    ("admin:trust_envelopecall_changelist", {}),
    ("admin:trust_envelopecall_changelist", {"region": "SH", "status": "0"}),
    ("admin:sharing_retrieval_changelist", {}),
    ("admin:sharing_retrieval_changelist", {"application": "app-1", "scenario": "SC-1"}),
    ("admin:evidence_evidenceentry_changelist", {}),
    ("admin:evidence_evidenceentry_changelist", {"region": "SH", "operator": "王五"}),
    ("admin:evidence_checkpoint_changelist", {}),
)
_numbers = itertools.count()


def grow(applications, total: int) -> None:
    """Bulk rows up to ``total`` calls, retrievals and entries, spread over the applications."""
    start = EnvelopeCall.objects.count()
    now = timezone.now()
    records, retrievals = [], []
    for i in range(start, total):
        app = applications[i % len(applications)]
        n = next(_numbers)
        records.append(CallRecord(
            direction=SERVED, account_id=app.app_id, endpoint="/api/v1/certificates/search", http_status=200,
            status_code="0", latency_ms=10.0, request_digest="a" * 64, response_digest="b" * 64,
            biz_num=f"BIZ-{n}", request_id=f"req-{n}",
        ))
        retrievals.append(Retrieval(
            kind=RetrievalKind.SEARCH, application=app, scenario_code=f"SC-{i % 3}", use_for="办理业务", item_name="事项",
            item_org="单位", operator="王五", biz_num=f"BIZ-{n}", request_id=f"req-{n}", result_count=1,
        ))
    rows = EnvelopeCall.objects.bulk_create([call_row(record) for record in records], batch_size=1000)
    Retrieval.objects.bulk_create(retrievals, batch_size=1000)
    parties = {"operator": "王五", "scenario": "SC-1"}
    leaves = [
        call_leaf(record, parties={**parties, "application": record.account_id},
                  region=applications[0].region.code if record.account_id == applications[0].app_id else "JS", at=now)
        for record in records
    ]
    append(leaves, call_ids=[row.pk for row in rows])
    checkpoint = integrate_log()
    cosign(checkpoint, "SH", "JS")


def measure(client, name: str, params: dict) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(name), params)
    assert response.status_code == 200, name
    return len(queries), [q["sql"] for q in queries.captured_queries]


def test_list_pages_cost_the_same_at_100_and_5000_rows_and_never_count(regions):
    applications = [application(f"app-{i}", "SH" if i % 2 else "JS") for i in range(4)]
    users = {"auditor": auditor(), "region": region_admin("SH")}
    clients = {name: client_for(user) for name, user in users.items()}
    counts = {}
    for size in (100, 5_000):
        grow(applications, size)
        for who, client in clients.items():
            for name, params in LISTS:
                count, sqls = measure(client, name, params)
                table = '"' + name.split(":")[1].removesuffix("_changelist") + '"'
                # The list's own table is never counted (a checkpoint's few cosignatures may be).
                assert not [sql for sql in sqls if "COUNT(" in sql.upper() and table in sql], (name, params)
                counts.setdefault((who, name, tuple(params)), []).append(count)
    flat = {key: values for key, values in counts.items() if values[0] != values[1]}
    assert not flat, flat
    # Few queries per page, none per row: session, user, permissions (2), the user's scope (role,
    # region), the filtered region, the latest cosigned checkpoint and its witnesses (3, entries
    # only), the page's rows.
    assert max(values[1] for values in counts.values()) <= 11, sorted(counts.items())


def test_the_next_page_continues_below_the_last_key(regions):
    applications = [application("app-1", "SH")]
    grow(applications, 120)
    client = client_for(auditor())
    name = "admin:trust_envelopecall_changelist"
    first = client.get(reverse(name)).context["cl"]
    assert first.has_next and first.next_page_query
    second = client.get(reverse(name) + first.next_page_query).context["cl"]
    third = client.get(reverse(name) + second.next_page_query).context["cl"]
    keys = [row.pk for cl in (first, second, third) for row in cl.result_list]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys) == 120
    assert not third.has_next and third.first_page_query
    page = client.get(reverse(name) + second.next_page_query).content.decode()
    assert "下一页" not in page and "最新一页" in page
