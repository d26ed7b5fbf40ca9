"""The hub ↔ region profile (docs/region-protocol.md) in one place, for the hub and the nodes alike.

What the hub and a regional system must agree on byte for byte is written here once: the paths
of the region's endpoints, the kinds, actions and fields of a publication and the bytes the hub
signs, the fields of each provider answer, how the hub reads them without trusting them and how a
node writes them, and the type-code rule. Changing the profile is changing this module.

The enums' values are the wire values; Django models build their choices from them (see
``text_choices``), so what is stored is what travels.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .crypto import sm2
from .crypto.errors import CryptoError
from .identifiers import is_valid_resident_id, is_valid_uscc

# --------------------------------------------------------------------------- paths
#: Every path below is relative to the region's registered ``endpoint``.
API_PREFIX = "/api/v1/"
PUBLICATIONS_PATH = "/api/v1/publications"
SEARCH_PATH = "/api/v1/certificates/search"
INFO_PATH = "/api/v1/certificates/info"
FILE_PATH = "/api/v1/certificates/file"
STATUS_PATH = "/api/v1/certificates/status"

#: Every time the hub answers or publishes (``updateTime``, ``publishedAt``, token expiries, the
#: share and validity windows): Asia/Shanghai wall time, to the second.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: Every certificate date (``issueDate``, ``certificateValidateStart``/``End``): a calendar day.
DATE_FORMAT = "%Y-%m-%d"
#: The time zone of every wall time of the profile, whatever the server's own.
WALL_ZONE = ZoneInfo("Asia/Shanghai")


def format_time(moment: dt.datetime | None) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai; empty for None (an open end of a window).

    A naive value is taken as Asia/Shanghai wall time already.
    """
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(WALL_ZONE)
    return moment.strftime(TIME_FORMAT)


def route(path: str) -> str:
    """``path`` below ``/api/v1/``, as a node's URL configuration mounted there spells it."""
    if not path.startswith(API_PREFIX):
        raise ValueError(f"{path} is not below {API_PREFIX}")
    return path.removeprefix(API_PREFIX)


# --------------------------------------------------------------------------- publications
class PublicationKind(StrEnum):
    """``kind``: what a publication is about."""

    CATALOG = "catalog"
    SCENARIO = "scenario"


class PublicationAction(StrEnum):
    """``action``: what happens to the object."""

    PUBLISH = "publish"
    UPDATE = "update"
    WITHDRAW = "withdraw"


#: The Chinese names administrators see, at the hub and at the nodes.
LABELS: dict[str, str] = {
    PublicationKind.CATALOG: "证照目录",
    PublicationKind.SCENARIO: "用证清单",
    PublicationAction.PUBLISH: "发布",
    PublicationAction.UPDATE: "更新",
    PublicationAction.WITHDRAW: "撤回",
}

#: The fields of a publication, in the order the profile lists them; ``signature`` covers them all.
PUBLICATION_FIELDS = ("publicationId", "sequence", "kind", "action", "code", "publishedAt", "payload")

#: The payload field that names the publication's ``code``: a type code or a scenario list code.
PAYLOAD_CODE_FIELD: dict[str, str] = {
    PublicationKind.CATALOG: "certificateTypeCode",
    PublicationKind.SCENARIO: "itemCode",
}


def text_choices(members: Iterable[StrEnum]) -> list[tuple[str, tuple[str, str]]]:
    """Members for Django's functional ``TextChoices(name, ...)``: same names, wire values, ``LABELS``."""
    return [(member.name, (member.value, LABELS[member])) for member in members]


def publication_message(
    *,
    publication_id: str,
    sequence: int,
    kind: str,
    action: str,
    code: str,
    published_at: str,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """A publication without its signature, as the hub sends it and a node forwards it."""
    return {
        "publicationId": publication_id,
        "sequence": sequence,
        "kind": kind,
        "action": action,
        "code": code,
        "publishedAt": published_at,
        "payload": payload,
    }


def signing_bytes(message: Mapping[str, Any], *, ensure_ascii: bool = False) -> bytes:
    """What the hub signs: UTF-8 JSON of every field but ``signature``, keys sorted, no white space."""
    unsigned = {key: value for key, value in message.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii).encode("utf-8")


def sign_publication(message: Mapping[str, Any], private_key: sm2.PrivateKey) -> str:
    """The hub's ``signature``: upper-case hex SM2 (default user ID) over ``signing_bytes``."""
    return sm2.sign(private_key, signing_bytes(message)).hex().upper()


def verify_publication(message: Mapping[str, Any], signature_hex: str, public_key: sm2.PublicKey) -> bool:
    """True when the hub signed exactly these fields.

    The profile says "UTF-8 JSON"; both spellings of non-ASCII characters (literal or ``\\uXXXX``)
    are canonical JSON of the same data, so either is accepted.
    """
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    try:
        return any(
            sm2.verify(public_key, signing_bytes(message, ensure_ascii=flag), signature) for flag in (False, True)
        )
    except CryptoError:
        return False


def publication_receipt(*, duplicate: bool, applied: bool) -> dict[str, bool]:
    """A region's answer to a publication it accepted."""
    return {"accepted": True, "duplicate": duplicate, "applied": applied}


def receipt_is_duplicate(data: Mapping[str, Any] | None) -> bool:
    """Whether the region said it had already stored the publication."""
    return bool((data or {}).get("duplicate"))


# --------------------------------------------------------------------------- provider calls
class HolderCodeType(StrEnum):
    """``holder.codeType`` of a search and ``certificateHolderType`` of every info answer: the one set.

    The hub answers only these two values; what regions send for them is mapped by
    ``holder_code_type`` (``HOLDER_CODE_TYPE_ALIASES``).
    """

    ID_CARD = "身份证"
    USCC = "统一社会信用代码"


#: What regions send for a holder's code type, upper-cased and without blanks, to the profile's value.
#: The names of GB/T 36903 (公民身份号码) and its codes (111, 001), the usual Chinese names and the
#: 12.2.3 ``idType`` value 1 all occur.
HOLDER_CODE_TYPE_ALIASES: dict[str, HolderCodeType] = {
    **dict.fromkeys(
        ("身份证", "居民身份证", "身份证号", "身份证号码", "居民身份证号码", "公民身份号码", "公民身份证号码",
         "111", "1", "ID", "IDCARD", "ID_CARD", "SFZ"),
        HolderCodeType.ID_CARD,
    ),
    **dict.fromkeys(
        ("统一社会信用代码", "社会信用代码", "统一代码", "信用代码", "001", "USCC", "TYSHXYDM"),
        HolderCodeType.USCC,
    ),
}


class CertificateStatus(StrEnum):
    """``status`` of a search entry, an info answer and a status answer."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # only in a status answer: the region does not know the certificate


class FileFormat(StrEnum):
    """``fileFormat`` of a file call."""

    PDF = "PDF"
    OFD = "OFD"


#: The text fields of a search entry (``status`` comes besides them).
SEARCH_FIELDS = ("certificateRef", "certificateType", "certificateTypeCode", "issueDept", "certificateNumber", "issueDate")
#: The text fields of an info answer, tables 6 and 7 (``surface`` and ``status`` come besides them).
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
#: Info fields a region may leave empty.
INFO_OPTIONAL = ("certificateValidateEnd", "certificateTypeCode")
STATUSES: tuple[str, ...] = tuple(status.value for status in CertificateStatus)
FILE_FORMATS: tuple[str, ...] = tuple(file_format.value for file_format in FileFormat)
#: Bounds on what the hub accepts from a region: longest text field, most search entries.
MAX_TEXT = 512
MAX_ITEMS = 1000


# ------------------------------------------------------------------ the hub reads answers
class Garbage(ValueError):
    """The region answered a well-formed envelope whose business data is not what the profile says.

    An answer is checked as a whole: one malformed entry makes the whole answer garbage, and the
    region is reported as not having answered rather than half-believed.
    """


def _text(item: Mapping[str, Any], name: str, *, required: bool = True) -> str:
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


def _status(item: Mapping[str, Any]) -> str:
    """An entry's ``status``; a region that leaves it out means ``valid``."""
    status = _text(item, "status", required=False) or CertificateStatus.VALID.value
    if status not in STATUSES:
        raise Garbage(f"status {status!r}")
    return status


_DATE_PARTS = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
#: What regions write for a validity that does not end; the profile's form for it is empty.
OPEN_END = frozenset({"长期", "长期有效", "永久", "永久有效", "无固定期限", "9999-12-31", "99991231"})


def normalise_date(value: str) -> str:
    """A region's date as ``yyyy-MM-dd``, whatever form it was sent in.

    Accepted: ``2020-01-02``, ``2020/1/2``, ``2020.01.02``, ``2020年1月2日``, ``20200102``, and a
    date-time (``2020-01-02T00:00:00``, with a time zone or not, or ``2020-01-02 08:00:00``), whose
    day is taken in Asia/Shanghai. An empty value stays empty; anything else is ``Garbage``.
    """
    text = value.strip()
    if not text:
        return ""
    match = _DATE_PARTS.match(text) or _COMPACT_DATE.match(text)
    try:
        if match:
            day = dt.date(*(int(part) for part in match.groups()))
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(WALL_ZONE)
            day = moment.date()
    except ValueError as exc:
        raise Garbage(f"日期 {text!r} 无法识别") from exc
    return day.strftime(DATE_FORMAT)


def _end_date(value: str) -> str:
    """The end of a validity: empty when it does not end (``长期`` and the like), else a date."""
    return "" if value.strip() in OPEN_END else normalise_date(value)


def holder_code_type(value: str, code: str = "") -> str:
    """A region's holder code type as one of ``HolderCodeType``.

    A value the aliases do not know is decided by the holder code itself (a resident identity
    number or a unified social credit code with a correct check character); otherwise ``Garbage``.
    """
    key = "".join(value.split()).upper()
    known = HOLDER_CODE_TYPE_ALIASES.get(key)
    if known is not None:
        return known.value
    code = code.strip().upper()
    if is_valid_resident_id(code):
        return HolderCodeType.ID_CARD.value
    if is_valid_uscc(code):
        return HolderCodeType.USCC.value
    raise Garbage(f"certificateHolderType {value!r} 无法识别")


def search_items(data: Mapping[str, Any]) -> list[dict[str, str]]:
    """The entries of a search answer, each with every field of the profile as a string."""
    entries = data.get("dataList")
    if not isinstance(entries, list) or len(entries) > MAX_ITEMS:
        raise Garbage("dataList 不是数组")
    items = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise Garbage("dataList 元素不是对象")
        item = {name: _text(entry, name) for name in SEARCH_FIELDS}
        item["issueDate"] = normalise_date(item["issueDate"])
        item["status"] = _status(entry)
        items.append(item)
    return items


def info_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of tables 6/7 from an info answer; the surface data is passed on as the region gives it."""
    item: dict[str, Any] = {name: _text(data, name, required=name not in INFO_OPTIONAL) for name in INFO_FIELDS}
    item["issueDate"] = normalise_date(item["issueDate"])
    item["certificateValidateStart"] = normalise_date(item["certificateValidateStart"])
    item["certificateValidateEnd"] = _end_date(item["certificateValidateEnd"])
    item["certificateHolderType"] = holder_code_type(item["certificateHolderType"], item["certificateHolderCode"])
    surface = data.get("surface", {})
    if surface is None:
        surface = {}
    if not isinstance(surface, dict | list):
        raise Garbage("surface 不是 JSON 对象")
    item["surface"] = surface
    item["status"] = _status(data)
    return item


def file_answer(data: Mapping[str, Any]) -> dict[str, Any]:
    """The download address, and the size and SM3 digest the streamed bytes must have (when given)."""
    url = _text(data, "downloadUrl")
    size = data.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise Garbage("size 不是非负整数")
    sm3 = _text(data, "sm3", required=False).lower()
    if sm3 and (len(sm3) != 64 or any(c not in "0123456789abcdef" for c in sm3)):
        raise Garbage("sm3 不是 64 位十六进制")
    return {"downloadUrl": url, "size": size, "sm3": sm3}


def status_of(data: Mapping[str, Any]) -> str:
    """The status of a status answer (required here, unlike in search and info answers)."""
    status = _text(data, "status")
    if status not in STATUSES:
        raise Garbage(f"status {status!r}")
    return status


# ------------------------------------------------------------------ a node writes answers
def search_entry(
    *, ref: str, type_name: str, type_code: str, issue_dept: str, number: str, issue_date: str, status: str
) -> dict[str, str]:
    """One element of a search answer's ``dataList``."""
    return {
        "certificateRef": ref,
        "certificateType": type_name,
        "certificateTypeCode": type_code,
        "issueDept": issue_dept,
        "certificateNumber": number,
        "issueDate": issue_date,
        "status": status,
    }


def search_answer(entries: list[dict[str, str]]) -> dict[str, Any]:
    return {"total": len(entries), "dataList": entries}


def info_answer(
    *,
    ref: str,
    type_name: str,
    type_code: str,
    holder_name: str,
    holder_code: str,
    holder_code_type: str,
    issue_dept: str,
    number: str,
    issue_date: str,
    valid_start: str,
    valid_end: str,
    surface: Any,
    status: str,
) -> dict[str, Any]:
    """An info answer: the fields of tables 6 and 7 (an indefinite end of validity is empty)."""
    return {
        "certificateRef": ref,
        "certificateType": type_name,
        "certificateTypeCode": type_code,
        "certificateHolder": holder_name,
        "certificateHolderCode": holder_code,
        "certificateHolderType": holder_code_type,
        "issueDept": issue_dept,
        "certificateNumber": number,
        "issueDate": issue_date,
        "certificateValidateStart": valid_start,
        "certificateValidateEnd": valid_end,
        "surface": surface,
        "status": status,
    }


def file_ticket_answer(*, download_url: str, file_format: str, size: int, sm3: str, expires_in: int) -> dict[str, Any]:
    """A file answer: a single-use download address and what the streamed bytes must be."""
    return {"downloadUrl": download_url, "fileFormat": file_format, "size": size, "sm3": sm3, "expiresIn": expires_in}


def status_answer(status: str) -> dict[str, str]:
    return {"status": status}


# --------------------------------------------------------------------------- type codes
def shared_type_aliases(catalog_names: Mapping[str, str]) -> dict[str, str]:
    """Type name -> shared code, from shared code -> ``certificateType`` of the catalog in force.

    A region keeps its own type codes; the catalog's type names are how it maps its certificates
    to the shared codes. When two entries name the same type, the lower code wins.
    """
    aliases: dict[str, str] = {}
    for code in sorted(catalog_names):
        aliases.setdefault(catalog_names[code], code)
    return aliases
