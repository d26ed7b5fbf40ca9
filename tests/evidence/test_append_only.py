"""The log's tables refuse UPDATE and DELETE: in the models, and by database triggers (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from evidence.models import AppendOnlyError, Checkpoint, Cosignature, EvidenceEntry, TreeNode

from .factories import log_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    log_of(5)
    checkpoint = Checkpoint.objects.get()
    Cosignature(checkpoint=checkpoint, region="SH", line="— sh x\n", timestamp=1).save()
    return checkpoint


def test_models_refuse_to_change_or_delete(log) -> None:
    entry = EvidenceEntry.objects.get(index=0)
    entry.biz_num = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        EvidenceEntry.objects.filter(index=1).update(biz_num="changed")
    with pytest.raises(AppendOnlyError):
        EvidenceEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        log.delete()
    assert EvidenceEntry.objects.get(index=1).biz_num == "BIZ-1"


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("evidence_evidenceentry", "\"index\" = 0"),
        ("evidence_treenode", "1 = 1"),
        ("evidence_checkpoint", "1 = 1"),
        ("evidence_cosignature", "1 = 1"),
    ],
)
def test_raw_sql_cannot_change_or_delete(log, table, where) -> None:
    column = {"evidence_evidenceentry": "leaf", "evidence_treenode": "hash", "evidence_checkpoint": "root",
              "evidence_cosignature": "line"}[table]
    for statement in (f"UPDATE {table} SET {column} = {column} WHERE {where}", f"DELETE FROM {table} WHERE {where}"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert EvidenceEntry.objects.count() == 5 and TreeNode.objects.count() == 3  # (1,0), (1,1), (2,0)
    assert Checkpoint.objects.count() == 1 and Cosignature.objects.count() == 1


def test_pending_entries_are_not_append_only() -> None:
    """Only the integrator deletes pending rows; they carry no trigger (they are not yet evidence)."""
    from evidence.models import PendingEntry

    from .factories import call_leaf

    PendingEntry.objects.create(leaf=call_leaf())
    assert PendingEntry.objects.all().delete()[0] == 1
