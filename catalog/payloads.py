"""The catalog entry as the standard shows it (table 1 of 12.1.3), shared by the API and publications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from ysj_protocol.profile import TIME_FORMAT

from .models import CatalogEntry


def format_time(value: datetime | None) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai (the project's time zone); empty for None."""
    if value is None:
        return ""
    return timezone.localtime(value).strftime(TIME_FORMAT)


def catalog_item(entry: CatalogEntry) -> dict[str, str]:
    """One element of the 12.1.3 ``dataList``."""
    return {
        "certificateType": entry.type_name,
        "certificateTypeCode": entry.type_code,
        "updateTime": format_time(entry.updated_at),
        "certificateDefineAuthorityName": entry.authority_name,
        "certificateDefineAuthorityCode": entry.authority_code,
        "relatedItemName": entry.related_item_name,
        "relatedItemCode": entry.related_item_code,
    }


def catalog_publication_payload(entry: CatalogEntry) -> dict[str, Any]:
    """What a region receives: the 12.1.3 item plus the share window (empty end: indefinitely)."""
    return {
        **catalog_item(entry),
        "holderType": entry.holder_type,
        "status": entry.status,
        "shareStart": format_time(entry.share_start),
        "shareEnd": format_time(entry.share_end),
    }
