"""The catalog entry as the standard shows it (table 1 of 12.1.3), shared by the API and publications.

Besides table 1, an entry carries its first publication time (6.2 b) and its share window (6.2 c),
so that a region or an application can configure an entry before its window opens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ysj_protocol import profile

from .models import CatalogEntry


def format_time(value: datetime | None) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai (the profile's one form); empty for None."""
    return profile.format_time(value)


def catalog_item(entry: CatalogEntry) -> dict[str, str]:
    """One element of the 12.1.3 ``dataList``: table 1, the publication times and the share window."""
    return {
        "certificateType": entry.type_name,
        "certificateTypeCode": entry.type_code,
        "updateTime": format_time(entry.updated_at),
        "certificateDefineAuthorityName": entry.authority_name,
        "certificateDefineAuthorityCode": entry.authority_code,
        "relatedItemName": entry.related_item_name,
        "relatedItemCode": entry.related_item_code,
        "firstPublishTime": format_time(entry.first_published_at),
        "shareStart": format_time(entry.share_start),
        "shareEnd": format_time(entry.share_end),
    }


def catalog_publication_payload(entry: CatalogEntry) -> dict[str, Any]:
    """What a region receives: the 12.1.3 item (share window included) plus holder type and status."""
    return {
        **catalog_item(entry),
        "holderType": entry.holder_type,
        "status": entry.status,
    }
