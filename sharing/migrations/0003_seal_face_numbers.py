"""Encrypt the face numbers already stored, and drop the plain copy kept in certificate ID summaries.

Reversible while the data key (``YSJ_DATA_KEY``) is unchanged: going back decrypts into the plain
column again. Rows are handled in batches of primary keys, so a large table is never loaded at
once. It is a migration of its own, between the schema changes, so that PostgreSQL never alters a
table with pending updates in the same transaction.
"""

from django.db import migrations

from sharing.holders import face_number_key, seal_face_number, unseal_face_number

BATCH = 1000


def _in_batches(model, fields, change) -> None:
    """``change`` every row and save ``fields``, a batch at a time, by primary key (no open cursor)."""
    last = 0
    while batch := list(model.objects.filter(pk__gt=last).order_by("pk")[:BATCH]):
        for row in batch:
            change(row)
        model.objects.bulk_update(batch, fields)
        last = batch[-1].pk


def _seal(row) -> None:
    number = row.certificate_number or ""
    row.certificate_number_sealed = seal_face_number(number)
    row.certificate_number_key = face_number_key(number)


def _seal_certificate_id(row) -> None:
    summary = row.stored_summary if isinstance(row.stored_summary, dict) else {}
    if not row.certificate_number:
        row.certificate_number = str(summary.get("certificateNumber", ""))[:128]
    _seal(row)
    summary.pop("certificateNumber", None)


def _unseal(row) -> None:
    row.certificate_number = unseal_face_number(row.certificate_number_sealed)


def _unseal_certificate_id(row) -> None:
    _unseal(row)
    if isinstance(row.stored_summary, dict):
        row.stored_summary["certificateNumber"] = row.certificate_number


def forwards(apps, schema_editor) -> None:
    sealed = ["certificate_number_sealed", "certificate_number_key"]
    _in_batches(apps.get_model("sharing", "CertificateID"), [*sealed, "stored_summary"], _seal_certificate_id)
    _in_batches(apps.get_model("sharing", "RetrievedCertificate"), sealed, _seal)


def backwards(apps, schema_editor) -> None:
    _in_batches(
        apps.get_model("sharing", "CertificateID"), ["certificate_number", "stored_summary"], _unseal_certificate_id
    )
    _in_batches(apps.get_model("sharing", "RetrievedCertificate"), ["certificate_number"], _unseal)


class Migration(migrations.Migration):

    dependencies = [
        ("sharing", "0002_sealed_face_numbers"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
