"""Appending envelope call records with their evidence entries.

A record and its evidence entry commit together (``write_records``). Records of calls whose
answer is already decided (a refusal, a delivery) are appended by ``record_calls`` and
``record_call``, where a failure is logged and never fails the call itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from ysj_protocol.records import CallRecord

from .models import EnvelopeCall

logger = logging.getLogger(__name__)

#: Writes the evidence entries of records whose rows were just inserted, in the same transaction
#: (``records``, ``rows``, the served call's context or None); registered by the evidence app.
EntryWriter = Callable[[Sequence[CallRecord], Sequence[EnvelopeCall], Any], None]
_entry_writer: EntryWriter | None = None


def register_entry_writer(writer: EntryWriter) -> None:
    global _entry_writer
    _entry_writer = writer


def application_of(context: Any) -> str:
    """The appId of the application a served call was made by (its grant, else its caller), or "".

    Every record of that call carries it, the calls the hub made to the regions for it included,
    so that the application's region sees them among its records (``ysj_portal.audit``).
    """
    grant = getattr(context, "grant", None)
    application = getattr(grant, "application", None) or getattr(getattr(context, "party", None), "application", None)
    return application.app_id if application is not None else ""


def write_records(
    records: Sequence[CallRecord], *, context: Any = None, application: str = ""
) -> list[EnvelopeCall]:
    """Insert the rows of ``records`` and their evidence entries; must run inside a transaction.

    ``application`` names the application the calls were made for when there is no served call's
    ``context`` to tell it. Fails closed: with no entry writer registered nothing is written and this raises.
    """
    application = application or application_of(context)
    rows = EnvelopeCall.objects.bulk_create([call_row(record, application=application) for record in records])
    write_entries(records, rows, context)
    return rows


def write_entries(records: Sequence[CallRecord], rows: Sequence[EnvelopeCall], context: Any = None) -> None:
    """The evidence entries of ``records`` (``rows`` just inserted); raises with no writer registered."""
    if _entry_writer is None:
        raise RuntimeError("no evidence entry writer registered: calls cannot be recorded")
    _entry_writer(records, rows, context)


@dataclass(slots=True)
class RelayedCallRecord(CallRecord):
    """The record of a call a region's system relayed for one of its applications (``account_id``)."""

    relaying_region: str = ""


def call_row(record: CallRecord, *, application: str = "") -> EnvelopeCall:
    """The unsaved row of ``record`` (for callers writing it together with their own rows).

    ``application``: the appId of the application the call was made by or for (``application_of``).
    """
    return EnvelopeCall(
        direction=record.direction,
        account_id=record.account_id[:64],
        relaying_region=getattr(record, "relaying_region", "")[:8],
        application=application[:64],
        endpoint=record.endpoint[:128],
        http_status=record.http_status,
        status_code=record.status_code[:8],
        latency_ms=round(record.latency_ms, 3),
        biz_num=record.biz_num[:64],
        request_id=record.request_id[:64],
        request_digest=record.request_digest,
        response_digest=record.response_digest,
        error=record.error[:64],
    )


def record_calls(records: Sequence[CallRecord], *, context: Any = None, application: str = "") -> None:
    """Append several records in one insert (the calls a fan-out made for one request)."""
    if not records:
        return
    try:
        with transaction.atomic():
            write_records(records, context=context, application=application)
    except Exception:  # the records must not turn a served call into a 500
        logger.exception("could not record %d envelope calls", len(records))


def record_call(record: CallRecord) -> EnvelopeCall | None:
    try:
        with transaction.atomic():
            return write_records([record])[0]
    except Exception:  # the record must not turn a served call into a 500
        logger.exception("could not record envelope call to %s", record.endpoint)
        return None
