"""Signed checkpoints of the log (C2SP tlog-checkpoint as a signed note, SM2 by the hub's key)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction

from trust.keys import hub_private_key
from ysj_protocol.tlog import note

from .models import Checkpoint
from .tree import log_size, root


def origin() -> str:
    """The log's origin line, also the name of the hub's signature (``YSJ_EVIDENCE_ORIGIN``)."""
    return getattr(settings, "YSJ_EVIDENCE_ORIGIN", "") or note.DEFAULT_ORIGIN


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-size").first()


def sign_checkpoint(*, size: int, root_hash: bytes) -> str:
    """The signed note of the tree of ``size`` entries with ``root_hash``: body, blank line, signature."""
    body = note.Checkpoint(origin=origin(), size=size, root=root_hash).body()
    return note.format_note(body, [note.signature_line(body, name=origin(), private_key=hub_private_key())])


def issue_checkpoint() -> Checkpoint | None:
    """Sign and store a checkpoint of the whole log if it grew since the last one; else None.

    Runs under the integrator's lock (PostgreSQL advisory lock; SQLite's write lock), so two
    processes never sign two checkpoints of one size.
    """
    from .integrate import LOCK_KEY

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
                if not cursor.fetchone()[0]:
                    return None
        size = log_size()
        latest = latest_checkpoint()
        if size == 0 or (latest is not None and latest.size >= size):
            return None
        root_hash = root(size)
        checkpoint = Checkpoint(size=size, root=root_hash, note=sign_checkpoint(size=size, root_hash=root_hash))
        checkpoint.save()
    return checkpoint


def checkpoint_note(checkpoint: Checkpoint) -> str:
    """The checkpoint's note with the witnesses' cosignature lines after the hub's signature."""
    lines = [c.line if c.line.endswith("\n") else c.line + "\n" for c in checkpoint.cosignatures.order_by("region")]
    return checkpoint.note + "".join(lines)
