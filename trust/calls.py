"""Appending envelope call records; a failure to record never fails the call itself."""

from __future__ import annotations

import logging

from ysj_protocol.records import CallRecord

from .models import EnvelopeCall

logger = logging.getLogger(__name__)


def record_call(record: CallRecord) -> EnvelopeCall | None:
    try:
        return EnvelopeCall.objects.create(
            direction=record.direction,
            account_id=record.account_id[:64],
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
    except Exception:  # the record must not turn a served call into a 500
        logger.exception("could not record envelope call to %s", record.endpoint)
        return None
