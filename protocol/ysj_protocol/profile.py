"""The hub ↔ region profile (docs/region-protocol.md) in one place, for the hub and the nodes alike.

What the hub and a regional system must agree on byte for byte is written here once: the paths
of the region's endpoints, the kinds, actions and fields of a publication and the bytes the hub
signs, the fields of each provider answer, how the hub reads them without trusting them and how a
node writes them, and the type-code rule. Changing the profile is changing this module.

The enums' values are the wire values; Django models build their choices from them (see
``text_choices``), so what is stored is what travels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from .crypto import sm2
from .crypto.errors import CryptoError

# --------------------------------------------------------------------------- paths
#: Every path below is relative to the region's registered ``endpoint``.
API_PREFIX = "/api/v1/"
PUBLICATIONS_PATH = "/api/v1/publications"
SEARCH_PATH = "/api/v1/certificates/search"
INFO_PATH = "/api/v1/certificates/info"
FILE_PATH = "/api/v1/certificates/file"
STATUS_PATH = "/api/v1/certificates/status"

#: ``publishedAt`` and the share and validity windows of payloads: Asia/Shanghai wall time.
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


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
    """``holder.codeType`` of a search."""

    ID_CARD = "身份证"
    USCC = "统一社会信用代码"


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
        item["status"] = _status(entry)
        items.append(item)
    return items


def info_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of tables 6/7 from an info answer; the surface data is passed on as the region gives it."""
    item: dict[str, Any] = {name: _text(data, name, required=name not in INFO_OPTIONAL) for name in INFO_FIELDS}
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
