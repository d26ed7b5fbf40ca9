"""Holder notices (8.4): written in the unit of work of each call that hands certificates out,
listed for their holder, purged after the retention period.

A notice is added to the call's ``trust.work.CallWork`` like the call's other rows: it commits
with the answer or the answer does not leave, so a holder is told of every hand-out and of
nothing that did not happen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from sharing.holders import mask_face_number
from trust.models import Region, TrustedApplication
from trust.work import CallWork
from ysj_protocol.profile import format_time

from .models import HolderNotice, NoticeKind, PageThrottle, PresentedServiceCode
from .text import Listed, compose

#: The page size of the holder's listing: default and upper bound.
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class HandedOut:
    """One certificate handed out, as the call knows it (the face number plain, in memory only)."""

    region_code: str
    certificate_type: str
    certificate_type_code: str
    certificate_number: str


def _scenario_name(usage: Any) -> str:
    scenario_list = getattr(usage, "scenario_list", None)
    return str(getattr(scenario_list, "name", "") or "")


def _distinct(certificates: Iterable[HandedOut]) -> list[HandedOut]:
    """Each certificate once: a file call hands out one address per format of the same certificate."""
    seen, kept = set(), []
    for item in certificates:
        key = (item.region_code, item.certificate_type_code, item.certificate_type, item.certificate_number)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def add_notice(
    *,
    work: CallWork,
    kind: str,
    holder_key: str,
    application: TrustedApplication,
    params: Mapping[str, Any],
    certificates: Sequence[HandedOut],
    usage: Any = None,
    relaying_region: Region | None = None,
    request_id: str = "",
    retrieval: Any = None,
    now: dt.datetime | None = None,
) -> HolderNotice | None:
    """Add the notice of one hand-out to ``work``; None (and nothing added) if nothing was handed out.

    ``params`` are the call's audit fields (``itemCode``, ``itemName``, ``useFor``, ``itemOrg``,
    ``operator``, ``bizNum``); ``usage`` the checked scenario list, whose name the holder is told.
    """
    certificates = _distinct(certificates)
    if not certificates or not holder_key:
        return None
    now = now or timezone.now()
    masked = [mask_face_number(item.certificate_number) for item in certificates]
    scenario_name = _scenario_name(usage)
    operator = str(params.get("operator", ""))
    biz_num = str(params.get("bizNum", ""))
    text = compose(
        kind=kind,
        listed=[Listed(item.certificate_type, number) for item, number in zip(certificates, masked, strict=True)],
        at=now,
        application_name=application.name,
        operator=operator,
        scenario_name=scenario_name or str(params.get("itemName", "")),
        biz_num=biz_num,
        contact=settings.YSJ_NOTICE_CONTACT,
    )
    notice = HolderNotice(
        created_at=now,
        holder_key=holder_key,
        kind=kind,
        application=application,
        application_name=application.name[:128],
        relaying_region=relaying_region,
        scenario_code=str(params.get("itemCode", ""))[:64],
        scenario_name=scenario_name[:200],
        item_name=str(params.get("itemName", ""))[:200],
        use_for=str(params.get("useFor", ""))[:200],
        item_org=str(params.get("itemOrg", ""))[:200],
        operator=operator[:64],
        biz_num=biz_num[:64],
        request_id=request_id[:64],
        certificates=[
            {
                "certificateType": item.certificate_type[:128],
                "certificateTypeCode": item.certificate_type_code[:64],
                "certificateNumber": number,
                "regionCode": item.region_code,
            }
            for item, number in zip(certificates, masked, strict=True)
        ],
        retrieval=retrieval,
        text=text,
    )
    work.add([notice])
    return notice


def notify_retrieval(*, work: CallWork, caller: Any, rows: Sequence[Any], holder_key: str) -> str:
    """The notice of a retrieval (12.1.6-12.1.9) whose record items are ``rows``; its text, or "".

    ``caller`` is the call's ``sharing.caller.Caller``; ``rows`` the unsaved
    ``RetrievedCertificate`` items ``sharing.retrievals.add_retrieval`` returned (added before
    the notice, so the notice's link to their retrieval is set when they are inserted).
    """
    if not rows:
        return ""
    retrieval = rows[0].retrieval
    notice = add_notice(
        work=work,
        kind=NoticeKind(retrieval.kind),
        holder_key=holder_key,
        application=caller.application,
        params=caller.params,
        certificates=[
            HandedOut(row.region.code, row.certificate_type, row.certificate_type_code, row.certificate_number)
            for row in rows
        ],
        usage=caller.usage,
        relaying_region=caller.relaying_region,
        request_id=caller.request_id,
        retrieval=retrieval,
        now=retrieval.created_at,
    )
    return notice.text if notice is not None else ""


def notify_service_code(
    *,
    work: CallWork,
    holder_key: str,
    application: TrustedApplication,
    params: Mapping[str, Any],
    region_code: str,
    listed: Sequence[Mapping[str, Any]],
    usage: Any = None,
    relaying_region: Region | None = None,
    request_id: str = "",
) -> str:
    """The notice of a 12.2.2 that listed certificates (``certificateList`` items); its text, or ""."""
    notice = add_notice(
        work=work,
        kind=NoticeKind.SERVICE_CODE,
        holder_key=holder_key,
        application=application,
        params=params,
        certificates=[
            HandedOut(
                region_code,
                str(item.get("certificateType", "")),
                str(item.get("certificateTypeCode", "")),
                str(item.get("certificateNumber", "")),
            )
            for item in listed
        ],
        usage=usage,
        relaying_region=relaying_region,
        request_id=request_id,
    )
    return notice.text if notice is not None else ""


# ---------------------------------------------------------------------------- the holder's listing
def notices_of(holder_key: str):
    """The holder's notices, newest first (the index ``notices_holder_newest``)."""
    if not holder_key:
        return HolderNotice.objects.none()
    return HolderNotice.objects.filter(holder_key=holder_key).select_related("application", "relaying_region")


def notice_item(notice: HolderNotice) -> dict[str, Any]:
    """One entry of the listing's ``dataList``."""
    return {
        "noticeTime": format_time(notice.created_at),
        "service": notice.get_kind_display(),
        "certificates": list(notice.certificates),
        "appId": notice.application.app_id,
        "appName": notice.application_name,
        "relayingRegion": notice.relaying_region.code if notice.relaying_region_id else "",
        "itemOrg": notice.item_org,
        "operator": notice.operator,
        "itemCode": notice.scenario_code,
        "scenarioName": notice.scenario_name,
        "itemName": notice.item_name,
        "useFor": notice.use_for,
        "bizNum": notice.biz_num,
        "noticeText": notice.text,
    }


def list_notices(*, holder_key: str, page_num: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> dict[str, Any]:
    """A page of the holder's notices, newest first, with the holder's total."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page_num = max(1, page_num)
    found = notices_of(holder_key)
    start = (page_num - 1) * page_size
    page = list(found[start : start + page_size])
    # The first page, not full, is the whole list: no second query to count it.
    total = len(page) if page_num == 1 and len(page) < page_size else found.count()
    return {
        "total": total,
        "pageNum": page_num,
        "pageSize": page_size,
        "dataList": [notice_item(notice) for notice in page],
    }


# ---------------------------------------------------------------------------- retention
def purge_expired(*, now: dt.datetime | None = None) -> int:
    """Delete notices older than ``YSJ_NOTICE_RETENTION_DAYS``, the page's expired codes and past windows; the notices deleted."""
    now = now or timezone.now()
    PresentedServiceCode.objects.filter(expires_at__lt=now).delete()
    window = dt.timedelta(seconds=settings.YSJ_NOTICE_PAGE_WINDOW)
    PageThrottle.objects.filter(window_started_at__lt=now - window).delete()
    cutoff = now - dt.timedelta(days=settings.YSJ_NOTICE_RETENTION_DAYS)
    deleted, _ = HolderNotice.objects.filter(created_at__lt=cutoff).delete()
    return deleted
