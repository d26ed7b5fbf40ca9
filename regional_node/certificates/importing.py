"""Loading a region's certificates from its own library: JSON Lines in the shape of the info answer.

Each line is one certificate with the fields of tables 6 and 7 (``certificateType``,
``certificateTypeCode``, ``certificateHolder``, ``certificateHolderCode``, ``certificateHolderType``,
``issueDept``, ``certificateNumber``, ``issueDate``, ``certificateValidateStart``,
``certificateValidateEnd`` (empty: indefinitely), ``surface``) plus optional ``status`` and
``certificateRef``. A certificate is identified by type code and face number, so importing again
updates in place. The whole file is checked before anything is written: one bad line, nothing
imported.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction

from ysj_protocol.identifiers import is_valid_resident_id, is_valid_uscc

from .models import Certificate, CertificateStatus, Holder, HolderCodeType

_REF_NAMESPACE = uuid.UUID("8d2b6a7e-0c1f-4c55-b1c9-4f3f1e7a9d20")
_TEXT_FIELDS = {
    "certificateType": 128,
    "certificateTypeCode": 64,
    "certificateHolder": 128,
    "certificateHolderCode": 32,
    "issueDept": 128,
    "certificateNumber": 128,
}


class InvalidRecord(ValueError):
    """A line that cannot be imported; the message names the line and the field."""


@dataclass(slots=True)
class Row:
    values: dict[str, Any]
    holder_key: tuple[str, str]


def _date(value: Any, field: str, line: int, *, optional: bool = False) -> dt.date | None:
    if optional and (value is None or value == ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidRecord(f"第 {line} 行：{field} 应为 yyyy-MM-dd") from None


def parse_line(raw: dict[str, Any], line: int) -> Row:
    if not isinstance(raw, dict):
        raise InvalidRecord(f"第 {line} 行：应为 JSON 对象")
    for field, limit in _TEXT_FIELDS.items():
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise InvalidRecord(f"第 {line} 行：{field} 应为不超过 {limit} 字的非空字符串")
    code_type = raw.get("certificateHolderType")
    code = raw["certificateHolderCode"].strip().upper()
    if code_type == HolderCodeType.ID_CARD and not is_valid_resident_id(code):
        raise InvalidRecord(f"第 {line} 行：certificateHolderCode 不是有效的居民身份证号码")
    if code_type == HolderCodeType.USCC and not is_valid_uscc(code):
        raise InvalidRecord(f"第 {line} 行：certificateHolderCode 不是有效的统一社会信用代码")
    if code_type not in HolderCodeType.values:
        raise InvalidRecord(f"第 {line} 行：certificateHolderType 应为 {' 或 '.join(HolderCodeType.values)}")
    surface = raw.get("surface") or {}
    if not isinstance(surface, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in surface.items()
    ):
        raise InvalidRecord(f"第 {line} 行：surface 应为字符串到字符串的 JSON 对象")
    status = raw.get("status") or CertificateStatus.VALID
    if status not in CertificateStatus.values:
        raise InvalidRecord(f"第 {line} 行：status 应为 {'、'.join(CertificateStatus.values)} 之一")
    issue_date = _date(raw.get("issueDate"), "issueDate", line)
    valid_from = _date(
        raw.get("certificateValidateStart") or raw.get("issueDate"), "certificateValidateStart", line
    )
    valid_until = _date(raw.get("certificateValidateEnd"), "certificateValidateEnd", line, optional=True)
    if valid_until is not None and valid_until < valid_from:
        raise InvalidRecord(f"第 {line} 行：certificateValidateEnd 早于 certificateValidateStart")
    number = raw["certificateNumber"].strip()
    type_code = raw["certificateTypeCode"].strip()
    ref = (
        raw.get("certificateRef")
        or uuid.uuid5(_REF_NAMESPACE, f"{settings.NODE_REGION}:{type_code}:{number}").hex
    )
    if not isinstance(ref, str) or not 1 <= len(ref) <= 64:
        raise InvalidRecord(f"第 {line} 行：certificateRef 应为 1-64 个字符")
    return Row(
        values={
            "ref": ref,
            "type_name": raw["certificateType"].strip(),
            "type_code": type_code,
            "number": number,
            "issue_dept": raw["issueDept"].strip(),
            "issue_date": issue_date,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "status": status,
            "surface": surface,
            "holder_name": raw["certificateHolder"].strip(),
        },
        holder_key=(code_type, code),
    )


def parse_lines(lines: Iterable[str]) -> list[Row]:
    rows = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidRecord(f"第 {number} 行：不是合法的 JSON（{exc.msg}）") from exc
        rows.append(parse_line(raw, number))
    return rows


@transaction.atomic
def import_rows(rows: list[Row]) -> tuple[int, int]:
    """Write every row (created, updated); all or nothing."""
    created = updated = 0
    for row in rows:
        values = dict(row.values)
        holder, _ = Holder.objects.update_or_create(
            code_type=row.holder_key[0], code=row.holder_key[1], defaults={"name": values.pop("holder_name")}
        )
        _, was_created = Certificate.objects.update_or_create(
            type_code=values.pop("type_code"),
            number=values.pop("number"),
            defaults={**values, "holder": holder},
        )
        created += was_created
        updated += not was_created
    return created, updated
