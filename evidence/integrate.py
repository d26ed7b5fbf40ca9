"""The integrator: pending entries take their place in the log, in batches, one integrator at a time.

As Tessera does it: a call commits only its pending entry (no shared row to queue on); the
integrator then takes pending entries in id order, gives them the next indexes, inserts the log
rows and the subtrees they complete, and deletes the pending rows, all in one transaction, so an
entry is pending or in the log and never both nor neither. One integrator runs at a time: on
PostgreSQL a transaction-level advisory lock (a second integrator skips its turn), on SQLite the
database's write lock (transactions begin IMMEDIATE). After the tree grew it signs a checkpoint.

A pending entry whose bytes are not a leaf of this encoding (``evidence.leaf.decode``) would stop
every later entry if it stopped the batch; it is moved, in the same transaction, to the quarantine
(``QuarantinedEntry``, with the reason and time) and the batch goes on without it. Any other
failure (the database) rolls the whole batch back, and the next run takes the same entries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ysj_protocol.tlog import merkle
from ysj_protocol.tlog.hashing import leaf_hash

from . import leaf as leaves
from .models import EvidenceEntry, PendingEntry, QuarantinedEntry, TreeNode
from .tree import fetch, log_size

logger = logging.getLogger(__name__)

#: The advisory lock key of the integrator (``pg_try_advisory_xact_lock``): "YSJ evid".
LOCK_KEY = 0x59534A2065766964 & 0x7FFFFFFFFFFFFFFF
DEFAULT_BATCH_SIZE = 5000


@dataclass(slots=True)
class Integration:
    """What one ``integrate`` run did."""

    integrated: int = 0
    #: Pending entries set aside as unreadable (``QuarantinedEntry``).
    quarantined: int = 0
    size: int = 0
    checkpoint_size: int | None = None
    locked_out: bool = False


def _lock() -> bool:
    """Take the integrator's lock for the current transaction; False if another integrator has it."""
    if connection.vendor != "postgresql":
        return True  # SQLite: the IMMEDIATE transaction already holds the database's write lock
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        return bool(cursor.fetchone()[0])


#: The columns of ``EvidenceEntry`` in the order ``_row`` gives them.
ENTRY_COLUMNS = ("index", "leaf", "leaf_hash", *leaves.COLUMN_NAMES, "call_id", "integrated_at")


def _row(index: int, data: bytes, call_id: int | None, now) -> tuple:
    columns = leaves.columns(leaves.decode(data))
    return (index, data, leaf_hash(data), *(columns[name] for name in leaves.COLUMN_NAMES), call_id, now)


def _insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert many rows at once: COPY on PostgreSQL, one prepared INSERT on SQLite.

    The ORM's ``bulk_create`` spends most of an integration building SQL text; these rows are
    plain values (bytes, text, integers, aware datetimes), written in the current transaction.
    """
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        prepared = [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row) for row in rows]
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})", prepared)  # noqa: S608


def integrate_batch(*, batch_size: int = DEFAULT_BATCH_SIZE) -> Integration:
    """Integrate up to ``batch_size`` pending entries in one transaction."""
    result = Integration()
    with transaction.atomic():
        if not _lock():
            result.locked_out = True
            return result
        pending = list(PendingEntry.objects.order_by("id").values_list("id", "leaf", "call_id")[:batch_size])
        size = log_size()
        result.size = size
        if not pending:
            return result
        now = timezone.now()
        rows: list[tuple] = []
        unreadable: list[tuple[int, str]] = []
        for pk, data, call_id in pending:
            try:
                rows.append(_row(size + len(rows), bytes(data), call_id, now))
            except leaves.LeafError as exc:
                unreadable.append((pk, str(exc)))
        if unreadable:
            _quarantine(unreadable, now)
        if rows:
            nodes = merkle.extend(size, [row[2] for row in rows], fetch(merkle.extend_nodes(size)))
            _insert(EvidenceEntry._meta.db_table, ENTRY_COLUMNS, rows)
            _insert(TreeNode._meta.db_table, ("key", "hash"),
                    [(TreeNode.key_of(level, index), value) for (level, index), value in nodes.items()])
        ids = [pk for pk, _, _ in pending]
        for start in range(0, len(ids), 5000):
            PendingEntry.objects.filter(pk__in=ids[start : start + 5000]).delete()
        result.integrated = len(rows)
        result.quarantined = len(unreadable)
        result.size = size + len(rows)
    return result


def _quarantine(unreadable: list[tuple[int, str]], now: dt.datetime) -> None:
    """Copy the unreadable pending rows, as they are, to the quarantine (the caller deletes them)."""
    reasons = dict(unreadable)
    rows = PendingEntry.objects.filter(pk__in=list(reasons)).values_list("id", "leaf", "call_id", "created_at")
    QuarantinedEntry.objects.bulk_create([
        QuarantinedEntry(pending_id=pk, leaf=bytes(data), call_id=call_id, created_at=created_at,
                         reason=reasons[pk][:500], quarantined_at=now)
        for pk, data, call_id, created_at in rows
    ])
    for pk, reason in unreadable:
        logger.error("evidence pending entry %d is not a readable leaf, quarantined: %s", pk, reason)


def integrate(*, batch_size: int = DEFAULT_BATCH_SIZE, max_batches: int | None = None, sign: bool = True) -> Integration:
    """Integrate every pending entry (batch after batch), then sign a checkpoint if the tree grew."""
    from .checkpoints import issue_checkpoint

    total = Integration()
    batches = 0
    while max_batches is None or batches < max_batches:
        result = integrate_batch(batch_size=batch_size)
        batches += 1
        total.size = max(total.size, result.size)
        if result.locked_out:
            total.locked_out = True
            break
        total.integrated += result.integrated
        total.quarantined += result.quarantined
        if result.integrated + result.quarantined < batch_size:
            break
    if sign and not total.locked_out:
        checkpoint = issue_checkpoint()
        total.checkpoint_size = checkpoint.size if checkpoint is not None else None
    return total


def batch_size_setting() -> int:
    return int(getattr(settings, "YSJ_EVIDENCE_BATCH_SIZE", DEFAULT_BATCH_SIZE))
