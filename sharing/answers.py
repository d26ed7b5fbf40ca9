"""Reading the regions' answers without trusting them: the profile's readers (ysj_protocol.profile).

Kept as the hub's name for them, so that callers read ``answers.search_items`` and the like.
"""

from __future__ import annotations

from ysj_protocol.profile import (
    FILE_FORMATS,
    INFO_FIELDS,
    MAX_ITEMS,
    MAX_TEXT,
    SEARCH_FIELDS,
    STATUSES,
    Garbage,
    file_answer,
    info_item,
    search_items,
    status_of,
)

__all__ = [
    "FILE_FORMATS",
    "INFO_FIELDS",
    "MAX_ITEMS",
    "MAX_TEXT",
    "SEARCH_FIELDS",
    "STATUSES",
    "Garbage",
    "file_answer",
    "info_item",
    "search_items",
    "status_of",
]
