"""The leaves of envelope calls: a served call (answered or refused) and the calls made for it.

Built from the call's record (``ysj_protocol.records.CallRecord``: endpoint, status, digests) and
what the access checks established (``ctx.grant``: application, relaying region, holder) and the
parameters (operator, scenario list). ``trust.work`` and ``trust.calls`` call ``write_call_entries``
in the transaction that writes the records (registered in ``evidence.receivers``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone

from sharing.holders import holder_key_of
from trust.models import EnvelopeCall, Region
from ysj_protocol.records import SERVED, CallRecord

from . import leaf
from .append import append
from .models import EntryKind


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _region_of_account(account: str, regions: Mapping[str, str]) -> str:
    """The code of the region a made call went to (records name it by code or by account)."""
    if account in regions.values():
        return account
    return regions.get(account, "")


def _served_parties(context: Any) -> dict[str, str]:
    """Region, application, relaying region, holder, operator and scenario of the served call."""
    party = getattr(context, "party", None)
    grant = getattr(context, "grant", None)
    params = getattr(context, "params", None) or {}
    application = getattr(grant, "application", None) or getattr(party, "application", None)
    relaying = getattr(grant, "relaying_region", None)
    region = getattr(application, "region", None) or getattr(party, "region", None)
    app_id = application.app_id if application is not None else ""
    if not app_id and relaying is not None:  # 12.2.1 relayed: appId names the application
        app_id = _text(params.get("appId"))
    holder = getattr(grant, "holder", None)
    return {
        "region": region.code if region is not None else "",
        "application": app_id,
        "relayingRegion": relaying.code if relaying is not None else "",
        "holder": holder_key_of(holder) if holder is not None else "",
        "operator": _text(params.get("operator")),
        "scenario": _text(params.get("itemCode")),
    }


def call_leaf(record: CallRecord, *, parties: Mapping[str, str], region: str, at: Any) -> bytes:
    return leaf.encode(
        EntryKind.SERVED if record.direction == SERVED else EntryKind.MADE,
        {
            "account": record.account_id,
            "application": parties.get("application", ""),
            "at": at,
            "bizNum": record.biz_num,
            "direction": record.direction,
            "endpoint": record.endpoint,
            "holder": parties.get("holder", ""),
            "httpStatus": int(record.http_status),
            "operator": parties.get("operator", ""),
            "region": region,
            "relayingRegion": getattr(record, "relaying_region", "") or parties.get("relayingRegion", ""),
            "requestDigest": record.request_digest,
            "requestId": record.request_id,
            "responseDigest": record.response_digest,
            "scenario": parties.get("scenario", ""),
            "status": record.status_code,
        },
    )


def write_call_entries(records: Sequence[CallRecord], rows: Sequence[EnvelopeCall], context: Any = None) -> None:
    """Pending entries of ``records`` (their rows just inserted) in the current transaction.

    ``context`` is the served call's ``CallContext`` when there is one; the calls made for it
    share its application, holder, operator and scenario list.
    """
    if not records:
        return
    parties = _served_parties(context) if context is not None else {}
    regions: dict[str, str] | None = None
    now = timezone.now()
    leaves = []
    for record in records:
        if record.direction == SERVED:
            region = parties.get("region", "")
        else:
            if regions is None:
                regions = dict(Region.objects.values_list("account_id", "code"))
            region = _region_of_account(record.account_id, regions)
        leaves.append(call_leaf(record, parties=parties, region=region, at=now))
    append(leaves, call_ids=[row.pk for row in rows] if len(rows) == len(records) else None)
