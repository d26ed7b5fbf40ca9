"""The unit of work of one served call: what it produced, committed with its own record.

A handler adds the rows its answer hands out or stands for (certificate IDs, retrieval records,
download links...) and the region calls made for it append their records; once the answer is
sealed, ``commit`` writes all of it and the served call's record in one transaction, before the
answer leaves. If that fails the caller gets 9999 and nothing of the answer leaves
(``EnvelopeAPIView.commit``), so an address or ID is never handed out without its records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model

from ysj_protocol.records import CallRecord

from .calls import application_of, call_row, write_entries
from .models import EnvelopeCall


@dataclass(eq=False, slots=True)
class CallWork:
    """What one served call produced, not yet written."""

    #: Rows to insert, one list per model, in insertion order: a parent before the rows that
    #: point at it (their foreign keys are taken from the parent once it is inserted).
    rows: list[list[Model]] = field(default_factory=list)
    #: The records of the calls the hub made to the regions while serving it.
    calls: list[CallRecord] = field(default_factory=list)
    #: The call's ``CallContext`` (set by the envelope view), for the evidence entries.
    context: Any = None

    def add(self, rows: Iterable[Model]) -> None:
        """Insert ``rows`` (all of one model) after everything added before."""
        rows = list(rows)
        if rows:
            self.rows.append(rows)

    def add_call(self, record: CallRecord) -> None:
        """Keep the record of a call made for this one (a ``ysj_protocol.records.Recorder``)."""
        self.calls.append(record)


def commit(work: CallWork, served: CallRecord) -> None:
    """Write ``work``, the records of the calls and their evidence entries: all or nothing; a refusal raises.

    The entries take the application, the holder, the operator and the scenario list from
    ``work.context``, the call's ``CallContext``.
    """
    records = [*work.calls, served]
    application = application_of(work.context)
    with transaction.atomic():
        for rows in work.rows:
            type(rows[0]).objects.bulk_create(rows)
        calls = EnvelopeCall.objects.bulk_create([call_row(record, application=application) for record in records])
        write_entries(records, calls, work.context)
