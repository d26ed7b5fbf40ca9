"""The holder page's rules: attempts per client address, and a service code shown once.

The page reads a holder's notices after the holder presents a service code (12.2.2's codes,
decoded by ``trust.service_codes``). A code is single-use here as at a counter: one already
accepted by 12.2.2, or already shown on this page, is refused, so that a code someone else saw
does not open the holder's notices. A code first shown here may still be used once at a counter
within its short life: that use is the holder's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sharing.holders import holder_key_of
from trust.holders import USCC
from trust.models import AcceptedServiceCode
from trust.service_codes import DecodedServiceCode, decode_service_code
from trust.services import decoded_holder
from ysj_protocol import regions
from ysj_protocol import status as st
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.profile import format_time

from .models import HolderNotice, PageThrottle, PresentedServiceCode
from .services import notices_of

#: How many notices the page lists (newest first).
PAGE_LIMIT = 50

#: What the holder is told for each refusal of a code, by status code.
REFUSALS = {
    st.SERVICE_CODE_INVALID.code: "无法识别该政务服务码，请确认粘贴的是应用中显示的完整服务码。",
    st.SERVICE_CODE_EXPIRED.code: "该政务服务码已过期，请在应用中刷新服务码后重新出示。",
    st.SERVICE_CODE_FORGED.code: "该政务服务码未能通过签名验证，可能已被篡改或并非由政务服务平台签发。",
    st.SERVICE_CODE_REPLAYED.code: "该政务服务码已使用过，请在应用中刷新服务码后重新出示。",
}


class Refused(Exception):
    """The page refuses the attempt; ``message`` says why, in Chinese; ``http_status`` how; ``reason``
    names it for the log (a status code or a word: nothing of the code or its holder)."""

    def __init__(self, message: str, http_status: int = 400, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.reason = reason or str(http_status)


@dataclass(frozen=True, slots=True)
class HolderView:
    """What the page shows: the holder's masked identity and their latest notices."""

    holder_name: str
    holder_code_type: str
    holder_code_masked: str
    notices: list[dict[str, Any]]
    more: bool


def take_attempt(client: str, *, now: dt.datetime | None = None) -> None:
    """Count one attempt from ``client``; ``Refused`` (429) past ``YSJ_NOTICE_PAGE_ATTEMPTS`` in the window.

    Every attempt counts, a genuine code included: the page is read rarely, and a guesser gains
    nothing from knowing which attempts failed.
    """
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.YSJ_NOTICE_PAGE_WINDOW)
    client = (client or "unknown")[:45]
    row, _ = PageThrottle.objects.get_or_create(client=client, defaults={"window_started_at": now})
    PageThrottle.objects.filter(pk=row.pk, window_started_at__lte=now - window).update(
        window_started_at=now, attempts=0
    )
    counted = PageThrottle.objects.filter(pk=row.pk, attempts__lt=settings.YSJ_NOTICE_PAGE_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise Refused("尝试次数过多，请稍后再试。", http_status=429, reason="rate_limited")


def _consume(decoded: DecodedServiceCode, now: dt.datetime) -> None:
    if not decoded.replay_key:
        return
    digest = sm3_hex(decoded.replay_key.encode("utf-8"))
    if AcceptedServiceCode.objects.filter(nonce_hash=digest).exists():
        raise Refused(REFUSALS[st.SERVICE_CODE_REPLAYED.code], http_status=409, reason=st.SERVICE_CODE_REPLAYED.code)
    try:
        with transaction.atomic():
            PresentedServiceCode.objects.create(nonce_hash=digest, expires_at=decoded.expires_at or now)
    except IntegrityError:
        raise Refused(
            REFUSALS[st.SERVICE_CODE_REPLAYED.code], http_status=409, reason=st.SERVICE_CODE_REPLAYED.code
        ) from None


def open_notices(*, code_text: str, now: dt.datetime | None = None) -> HolderView:
    """Decode the presented code, use it up, and the holder's latest notices; ``Refused`` if the code is not good."""
    now = now or timezone.now()
    try:
        decoded = decode_service_code(code_text, now=now)
    except EnvelopeError as exc:
        message = REFUSALS.get(exc.status.code, REFUSALS[st.SERVICE_CODE_INVALID.code])
        raise Refused(message, reason=exc.status.code) from None
    _consume(decoded, now)
    holder = decoded_holder(decoded)
    holder_key = holder_key_of(holder)
    found = list(notices_of(holder_key)[: PAGE_LIMIT + 1])
    return HolderView(
        holder_name=holder.name if holder.code_type == USCC else _mask_name(holder.name),
        holder_code_type=holder.code_type,
        holder_code_masked=holder.masked_code,
        notices=[shown(notice) for notice in found[:PAGE_LIMIT]],
        more=len(found) > PAGE_LIMIT,
    )


def shown(notice: HolderNotice) -> dict[str, Any]:
    """One notice as the page lists it (face numbers were stored masked)."""
    return {
        "time": format_time(notice.created_at)[:16],
        "service": notice.get_kind_display(),
        "certificates": [
            {
                "type": item.get("certificateType", ""),
                "number": item.get("certificateNumber", ""),
                "region": regions.name_of(item.get("regionCode", "")) if item.get("regionCode") else "",
            }
            for item in notice.certificates
        ],
        "application": notice.application_name,
        "relaying_region": notice.relaying_region.name if notice.relaying_region_id else "",
        "item_org": notice.item_org,
        "operator": notice.operator,
        "scenario": notice.scenario_name or notice.item_name,
        "use_for": notice.use_for,
        "biz_num": notice.biz_num,
    }


def _mask_name(name: str) -> str:
    """A person's name with its first character only (张*), enough for the holder to recognise."""
    name = name.strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name
