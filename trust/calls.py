"""Appending envelope call records; a failure to record never fails the call itself."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from ysj_protocol.records import CallRecord

from .models import EnvelopeCall

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class RelayedCallRecord(CallRecord):
    """The record of a call a region's system relayed for one of its applications (``account_id``)."""

    relaying_region: str = ""


def call_row(record: CallRecord) -> EnvelopeCall:
    """The unsaved row of ``record`` (for callers writing it together with their own rows)."""
    return EnvelopeCall(
        direction=record.direction,
        account_id=record.account_id[:64],
        relaying_region=getattr(record, "relaying_region", "")[:8],
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


def record_calls(records: Sequence[CallRecord]) -> None:
    """Append several records in one insert (the calls a fan-out made for one request)."""
    if not records:
        return
    try:
        EnvelopeCall.objects.bulk_create([call_row(record) for record in records])
    except Exception:  # the records must not turn a served call into a 500
        logger.exception("could not record %d envelope calls", len(records))


def record_call(record: CallRecord) -> EnvelopeCall | None:
    try:
        row = call_row(record)
        row.save(force_insert=True)
        return row
    except Exception:  # the record must not turn a served call into a 500
        logger.exception("could not record envelope call to %s", record.endpoint)
        return None
