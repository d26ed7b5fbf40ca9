"""An unreadable pending entry is set aside and integration goes on; a failing batch is retried whole.

Broken rows are written with raw SQL between good ones, as a faulty writer or another version
would leave them; on SQLite and on PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from evidence import tree
from evidence.append import append
from evidence.integrate import integrate
from evidence.models import (
    AppendOnlyError,
    Checkpoint,
    EvidenceEntry,
    PendingEntry,
    QuarantinedEntry,
    QuarantineRelease,
)
from evidence.services import quarantined_count, requeue_quarantined
from evidence.verify import verify_log
from ysj_protocol.tlog import merkle
from ysj_protocol.tlog.hashing import leaf_hash

from .factories import call_leaf

pytestmark = pytest.mark.django_db

#: Bytes that are not JSON at all (not even UTF-8).
GARBAGE = b"\xff\xfe\x00not a leaf"


def _too_long_region() -> bytes:
    """Canonical JSON of every field of a served leaf, but a region longer than its column: it
    decodes, and would make the whole batch's insert fail on PostgreSQL if it were not refused."""
    fields = json.loads(call_leaf(99))
    fields["region"] = "SHANGHAI-TOO-LONG"
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _raw_pending(data: bytes, call_id: int | None = None) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO evidence_pendingentry (leaf, call_id, created_at) VALUES (%s, %s, %s)",
            [data, call_id, now],
        )


def _good(start: int, count: int) -> list[bytes]:
    leaves = [call_leaf(start + i) for i in range(count)]
    with transaction.atomic():
        append(leaves)
    return leaves


def _log_leaves() -> list[bytes]:
    return [bytes(data) for data in EvidenceEntry.objects.order_by("index").values_list("leaf", flat=True)]


def test_unreadable_pending_entries_are_quarantined_and_the_good_ones_integrated_in_order() -> None:
    good = _good(0, 2)
    _raw_pending(GARBAGE, call_id=41)
    good += _good(2, 1)
    _raw_pending(_too_long_region())
    _raw_pending(call_leaf(7)[:-1])  # cut short: not JSON
    good += _good(3, 4)
    bad_ids = list(PendingEntry.objects.order_by("id").values_list("id", flat=True))
    bad_ids = [bad_ids[2], bad_ids[4], bad_ids[5]]

    result = integrate(batch_size=3)  # three batches, the bad rows in the first two

    assert (result.integrated, result.quarantined, result.size, result.checkpoint_size) == (7, 3, 7, 7)
    assert not PendingEntry.objects.exists()
    assert _log_leaves() == good
    assert list(EvidenceEntry.objects.order_by("index").values_list("index", flat=True)) == list(range(7))
    assert tree.root(7) == merkle.tree_root(leaf_hash(data) for data in good)
    assert bytes(Checkpoint.objects.get().root) == tree.root(7)
    report = verify_log()
    assert report.ok, report.problems
    assert report.quarantined == 3

    rows = list(QuarantinedEntry.objects.order_by("pending_id"))
    assert [row.pending_id for row in rows] == bad_ids
    assert bytes(rows[0].leaf) == GARBAGE and rows[0].call_id == 41
    assert "not UTF-8 JSON" in rows[0].reason
    assert "region" in rows[1].reason and "longer than its column" in rows[1].reason
    assert all(row.quarantined_at >= row.created_at for row in rows)
    assert quarantined_count() == 3


def test_a_later_run_goes_on_past_a_quarantined_entry() -> None:
    good = _good(0, 1)
    integrate()
    _raw_pending(GARBAGE)
    good += _good(1, 2)
    assert integrate().integrated == 2
    assert _log_leaves() == good and QuarantinedEntry.objects.count() == 1
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [1, 3]


def test_leaves_that_parse_but_break_the_encoding_are_quarantined() -> None:
    base = json.loads(call_leaf(1))

    def dumps(value) -> bytes:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    broken = [
        dumps({**base, "v": 2}),  # a newer version
        dumps({**base, "kind": ["served"]}),  # not a kind at all
        dumps({**base, "httpStatus": "200"}),  # a string where an integer belongs
        dumps({**base, "bizNum": "A\x00B"}),  # NUL: no text column keeps it
        dumps({**base, "at": "2026-01-01T00:00:00+00:00"}),  # not the leaf's time
        dumps({**base, "bizNum": "SURROGATE"}).replace(b"SURROGATE", b"\\ud800"),  # a lone surrogate
        b"[" * 100000 + b"]" * 100000,  # nested beyond the parser's recursion
        json.dumps(base).encode(),  # the right fields, not canonical (spaces)
    ]
    for data in broken:
        _raw_pending(data)
    good = _good(0, 2)
    result = integrate()
    assert (result.integrated, result.quarantined) == (2, len(broken))
    assert _log_leaves() == good
    assert sorted(bytes(q.leaf) for q in QuarantinedEntry.objects.all()) == sorted(broken)


def test_the_quarantine_is_append_only() -> None:
    _raw_pending(GARBAGE)
    integrate()
    row = QuarantinedEntry.objects.get()
    row.reason = "changed"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        QuarantinedEntry.objects.all().delete()
    for statement in (
        "UPDATE evidence_quarantinedentry SET reason = 'x'",
        "DELETE FROM evidence_quarantinedentry",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert QuarantinedEntry.objects.get().reason != "x"


def test_a_requeued_entry_takes_the_next_index_once_and_unreadable_ones_stay() -> None:
    # An entry an older integrator could not read (here: written to the quarantine as such) and
    # one no version reads.
    readable = call_leaf(5)
    QuarantinedEntry(
        pending_id=1000,
        leaf=readable,
        call_id=None,
        created_at=timezone.now(),
        reason="leaf is not a version 1 object",
    ).save()
    _raw_pending(GARBAGE)
    good = _good(0, 2)
    integrate()
    with pytest.raises(ValueError):
        requeue_quarantined(ids=None, operator="", reason="")

    result = requeue_quarantined(ids=None, operator="张三", reason="升级后可读")

    readable_id = QuarantinedEntry.objects.get(pending_id=1000).pk
    assert result.requeued == (readable_id,) and len(result.unreadable) == 1
    release = QuarantineRelease.objects.get()
    assert (release.entry_id, release.operator) == (readable_id, "张三")
    assert integrate().integrated == 1
    assert _log_leaves() == [*good, readable]
    assert quarantined_count() == 1
    out = io.StringIO()
    call_command("requeue_evidence", str(readable_id), "--operator", "张三", "--reason", "again", stdout=out)
    assert "已重新交给入账程序：0 条" in out.getvalue()  # released once already
    assert QuarantineRelease.objects.count() == 1 and not PendingEntry.objects.exists()
    assert verify_log().ok


def test_a_database_failure_mid_batch_rolls_the_batch_back_and_the_next_run_takes_it_again() -> None:
    """The tree-node insert is refused by a trigger created for the test: it stands in for the
    database failing after the batch's entries were written."""
    good = _good(0, 5)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION evidence_test_refuse_node() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'tree node not written (caused for the test)'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER evidence_test_refuse_node BEFORE INSERT ON evidence_treenode "
                "FOR EACH ROW EXECUTE FUNCTION evidence_test_refuse_node()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER evidence_test_refuse_node BEFORE INSERT ON evidence_treenode "
                "BEGIN SELECT RAISE(ABORT, 'tree node not written (caused for the test)'); END"
            )
    # PostgreSQL's COPY runs on psycopg's own cursor, whose errors Django does not wrap.
    errors: tuple[type[Exception], ...] = (DatabaseError,)
    if connection.vendor == "postgresql":
        import psycopg

        errors += (psycopg.Error,)
    try:
        with pytest.raises(errors, match="caused for the test"):
            integrate(batch_size=3)
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("DROP TRIGGER evidence_test_refuse_node ON evidence_treenode")
                cursor.execute("DROP FUNCTION evidence_test_refuse_node()")
            else:
                cursor.execute("DROP TRIGGER evidence_test_refuse_node")
    assert PendingEntry.objects.count() == 5
    assert not EvidenceEntry.objects.exists() and not QuarantinedEntry.objects.exists()
    assert not Checkpoint.objects.exists()

    result = integrate(batch_size=3)
    assert (result.integrated, result.quarantined, result.checkpoint_size) == (5, 0, 5)
    assert _log_leaves() == good
    assert verify_log().ok


def test_the_quarantine_is_shown_on_readyz_metrics_verify_evidence_and_the_admin(
    client: Client, settings
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _good(0, 1)
    _raw_pending(GARBAGE)
    integrate()

    response = client.get("/readyz")
    assert response.status_code == 200, response.json()  # reported, not deciding readiness
    assert response.json()["evidence"]["quarantined"] == 1

    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    values = {
        s.name: s.value for f in text_string_to_metric_families(metrics.content.decode()) for s in f.samples
    }
    assert values["ysj_evidence_quarantined_entries"] == 1

    out = io.StringIO()
    call_command("verify_evidence", stdout=out, stderr=io.StringIO())
    assert (
        "存证日志完好" in out.getvalue()
        and "隔离的待入账存证（quarantined pending entries）：1 条未入账" in out.getvalue()
    )

    admin = get_user_model().objects.create_superuser("auditor-q", "q@example.com", "pw")
    client.force_login(admin)
    listing = client.get("/admin/evidence/quarantinedentry/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "隔离的待入账存证" in page and "仍在隔离中" in page and "not UTF-8 JSON" in page
    row = QuarantinedEntry.objects.get()
    detail = client.get(f"/admin/evidence/quarantinedentry/{row.pk}/change/").content.decode()
    assert "叶子数据（base64）" in detail and "隔离原因" in detail
    assert client.post(f"/admin/evidence/quarantinedentry/{row.pk}/delete/").status_code == 403
