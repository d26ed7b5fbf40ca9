"""The integrator: pending entries take their place in the log, in batches, one integrator at a time.

As Tessera does it: a call commits only its pending entry (no shared row to queue on); the
integrator then takes pending entries in id order, gives them the next indexes, inserts the log
rows and the subtrees they complete, and deletes the pending rows, all in one transaction, so an
entry is pending or in the log and never both nor neither. One integrator runs at a time: on
PostgreSQL a transaction-level advisory lock (a second integrator skips its turn), on SQLite the
database's write lock (transactions begin IMMEDIATE). After the tree grew it signs a checkpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ysj_protocol.tlog import merkle
from ysj_protocol.tlog.hashing import leaf_hash

from . import leaf as leaves
from .models import EvidenceEntry, PendingEntry
from .tree import fetch, log_size, store_nodes

logger = logging.getLogger(__name__)

#: The advisory lock key of the integrator (``pg_try_advisory_xact_lock``): "YSJ evid".
LOCK_KEY = 0x59534A2065766964 & 0x7FFFFFFFFFFFFFFF
DEFAULT_BATCH_SIZE = 5000


@dataclass(slots=True)
class Integration:
    """What one ``integrate`` run did."""

    integrated: int = 0
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


def _entry(index: int, pending: PendingEntry, now) -> EvidenceEntry:
    data = bytes(pending.leaf)
    return EvidenceEntry(
        index=index,
        leaf=data,
        leaf_hash=leaf_hash(data),
        call_id=pending.call_id,
        integrated_at=now,
        **leaves.columns(leaves.decode(data)),
    )


def integrate_batch(*, batch_size: int = DEFAULT_BATCH_SIZE) -> Integration:
    """Integrate up to ``batch_size`` pending entries in one transaction."""
    result = Integration()
    with transaction.atomic():
        if not _lock():
            result.locked_out = True
            return result
        pending = list(PendingEntry.objects.order_by("id")[:batch_size])
        size = log_size()
        result.size = size
        if not pending:
            return result
        now = timezone.now()
        entries = [_entry(size + offset, row, now) for offset, row in enumerate(pending)]
        nodes = merkle.extend(size, [bytes(e.leaf_hash) for e in entries], fetch(merkle.extend_nodes(size)))
        EvidenceEntry.objects.bulk_create(entries, batch_size=1000)
        store_nodes(nodes)
        ids = [row.pk for row in pending]
        for start in range(0, len(ids), 1000):
            PendingEntry.objects.filter(pk__in=ids[start : start + 1000]).delete()
        result.integrated = len(entries)
        result.size = size + len(entries)
    return result


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
        if result.integrated < batch_size:
            break
    if sign and not total.locked_out:
        checkpoint = issue_checkpoint()
        total.checkpoint_size = checkpoint.size if checkpoint is not None else None
    return total


def batch_size_setting() -> int:
    return int(getattr(settings, "YSJ_EVIDENCE_BATCH_SIZE", DEFAULT_BATCH_SIZE))
