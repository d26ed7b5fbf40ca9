"""Reading the regions' answers (docs/region-protocol.md) without trusting them.

A region's answer is checked as a whole: one malformed entry makes the whole answer garbage, and
that region is reported as not having answered rather than half-believed.
"""

from __future__ import annotations

from typing import Any

SEARCH_FIELDS = ("certificateRef", "certificateType", "certificateTypeCode", "issueDept", "certificateNumber", "issueDate")
INFO_FIELDS = (
    "certificateType",
    "certificateTypeCode",
    "certificateHolder",
    "certificateHolderCode",
    "certificateHolderType",
    "issueDept",
    "certificateNumber",
    "issueDate",
    "certificateValidateStart",
    "certificateValidateEnd",
)
STATUSES = ("valid", "revoked", "expired", "unknown")
FILE_FORMATS = ("PDF", "OFD")
MAX_TEXT = 512
MAX_ITEMS = 1000


class Garbage(ValueError):
    """The region answered a well-formed envelope whose business data is not what the profile says."""


def _text(item: dict[str, Any], name: str, *, required: bool = True) -> str:
    value = item.get(name)
    if value is None and not required:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Garbage(f"{name} 不是字符串")
    if required and not value.strip():
        raise Garbage(f"{name} 为空")
    return value.strip()


def search_items(data: dict[str, Any]) -> list[dict[str, str]]:
    """The entries of a search answer, each with every field of the profile as a string."""
    entries = data.get("dataList")
    if not isinstance(entries, list) or len(entries) > MAX_ITEMS:
        raise Garbage("dataList 不是数组")
    items = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise Garbage("dataList 元素不是对象")
        item = {name: _text(entry, name) for name in SEARCH_FIELDS}
        item["status"] = _text(entry, "status", required=False) or "valid"
        if item["status"] not in STATUSES:
            raise Garbage(f"status {item['status']!r}")
        items.append(item)
    return items


def info_item(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of tables 6/7 from an info answer; the surface data is passed on as the region gives it."""
    item: dict[str, Any] = {}
    for name in INFO_FIELDS:
        required = name not in ("certificateValidateEnd", "certificateTypeCode")
        item[name] = _text(data, name, required=required)
    surface = data.get("surface", {})
    if surface is None:
        surface = {}
    if not isinstance(surface, dict | list):
        raise Garbage("surface 不是 JSON 对象")
    item["surface"] = surface
    status = _text(data, "status", required=False) or "valid"
    if status not in STATUSES:
        raise Garbage(f"status {status!r}")
    item["status"] = status
    return item


def file_answer(data: dict[str, Any]) -> dict[str, Any]:
    url = _text(data, "downloadUrl")
    size = data.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise Garbage("size 不是非负整数")
    sm3 = _text(data, "sm3", required=False).lower()
    if sm3 and (len(sm3) != 64 or any(c not in "0123456789abcdef" for c in sm3)):
        raise Garbage("sm3 不是 64 位十六进制")
    return {"downloadUrl": url, "size": size, "sm3": sm3}


def status_of(data: dict[str, Any]) -> str:
    status = _text(data, "status")
    if status not in STATUSES:
        raise Garbage(f"status {status!r}")
    return status
