"""Adding entries: pending rows written in the transaction of what they record.

Nothing here gives an entry its place in the log (``evidence.integrate`` does, in batches), so
concurrent calls only insert rows and never wait on one another. Once the transaction commits,
the integrator of this process is woken (``evidence.runner``).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from .models import PendingEntry


def append(leaves: Sequence[bytes], *, call_ids: Sequence[int | None] | None = None) -> None:
    """Write ``leaves`` as pending entries in the current transaction; a failure raises.

    ``call_ids`` names the ``trust.EnvelopeCall`` of each leaf, where there is one.
    """
    if not leaves:
        return
    ids = list(call_ids) if call_ids is not None else [None] * len(leaves)
    if len(ids) != len(leaves):
        raise ValueError("one call id per leaf")
    # One plain INSERT: on the path of every served call, the ORM's bulk_create costs more than the write.
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(bytes(leaf), call_id, now) for leaf, call_id in zip(leaves, ids, strict=True)]
    sql = f"INSERT INTO {PendingEntry._meta.db_table} (leaf, call_id, created_at) VALUES (%s, %s, %s)"  # noqa: S608
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(sql, rows[0])
        else:
            cursor.executemany(sql, rows)
    transaction.on_commit(_wake)


def _wake() -> None:
    from .runner import wake

    wake()
