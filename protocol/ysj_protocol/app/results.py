"""Typed answers of the section-12 calls, read tolerantly.

Each reader takes the decrypted ``data`` of an answer and keeps what the tables define; a field a
peer leaves out reads as "" (or None for times), an unknown field is kept in ``raw`` only, and a
number sent as a string (or the reverse) is read either way. ``certificateId`` is read for
``certificateID`` (READING.md, table 10). Times are ``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def parse_time(value: Any) -> dt.datetime | None:
    """An aware datetime for a time of an answer; None when empty or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        parsed = None
        for form in _TIME_FORMATS:
            try:
                parsed = dt.datetime.strptime(text, form)
                break
            except ValueError:
                continue
        if parsed is None:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def _text(data: dict[str, Any], *names: str) -> str:
    for name in names:
        value = data.get(name)
        if value is not None and not isinstance(value, dict | list):
            return str(value)
    return ""


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _items(data: dict[str, Any] | list[Any] | None) -> list[dict[str, Any]]:
    """``dataList`` of an answer (or the answer itself when a peer sent a bare list)."""
    if isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        items = data.get("dataList") or []
    else:
        items = []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _regions(data: Any) -> list[str]:
    value = data.get("unavailableRegions") if isinstance(data, dict) else None
    return [str(code) for code in value] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class Registration:
    """12.2.1: the application's access token and when it expires."""

    access_token: str
    expires_at: dt.datetime | None
    message: str = ""

    @classmethod
    def read(cls, data: dict[str, Any]) -> Registration:
        return cls(_text(data, "accessToken"), parse_time(data.get("expiresAt")), _text(data, "msg"))


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """12.1.3: one published catalog entry (证照目录)."""

    certificate_type: str
    certificate_type_code: str
    define_authority_name: str
    define_authority_code: str
    related_item_name: str
    related_item_code: str
    update_time: dt.datetime | None
    first_publish_time: dt.datetime | None
    share_start: dt.datetime | None
    share_end: dt.datetime | None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> CatalogEntry:
        return cls(
            certificate_type=_text(data, "certificateType"),
            certificate_type_code=_text(data, "certificateTypeCode"),
            define_authority_name=_text(data, "certificateDefineAuthorityName"),
            define_authority_code=_text(data, "certificateDefineAuthorityCode"),
            related_item_name=_text(data, "relatedItemName"),
            related_item_code=_text(data, "relatedItemCode"),
            update_time=parse_time(data.get("updateTime")),
            first_publish_time=parse_time(data.get("firstPublishTime")),
            share_start=parse_time(data.get("shareStart")),
            share_end=parse_time(data.get("shareEnd")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class CertificateType:
    certificate_type: str
    certificate_type_code: str


@dataclass(frozen=True, slots=True)
class ScenarioList:
    """12.1.4: one scenario list (用证清单) the application may use, with its shared types."""

    item_name: str
    item_code: str
    update_time: dt.datetime | None
    first_publish_time: dt.datetime | None
    valid_start: dt.datetime | None
    valid_end: dt.datetime | None
    types: tuple[CertificateType, ...]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> ScenarioList:
        return cls(
            item_name=_text(data, "itemName"),
            item_code=_text(data, "itemCode"),
            update_time=parse_time(data.get("updateTime")),
            first_publish_time=parse_time(data.get("firstPublishTime")),
            valid_start=parse_time(data.get("validStart")),
            valid_end=parse_time(data.get("validEnd")),
            types=tuple(
                CertificateType(_text(item, "certificateType"), _text(item, "certificateTypeCode"))
                for item in _items(data)
            ),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Certificate:
    """One certificate found (12.1.5, 12.2.2): its ten-minute ``certificateID`` and face data."""

    certificate_id: str
    certificate_type: str
    issue_dept: str
    certificate_number: str
    issue_date: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> Certificate:
        return cls(
            certificate_id=_text(data, "certificateID", "certificateId"),
            certificate_type=_text(data, "certificateType"),
            issue_dept=_text(data, "issueDept"),
            certificate_number=_text(data, "certificateNumber"),
            issue_date=_text(data, "issueDate"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class SearchResult:
    """12.1.5: every valid certificate of the holder under the list, and regions that did not answer."""

    certificates: tuple[Certificate, ...]
    unavailable_regions: tuple[str, ...]
    total: int

    @classmethod
    def read(cls, data: dict[str, Any]) -> SearchResult:
        items = tuple(Certificate.read(item) for item in _items(data))
        return cls(items, tuple(_regions(data)), _int(data.get("total"), len(items)))


@dataclass(frozen=True, slots=True)
class FileLink:
    """12.1.6, 12.1.7: one file's short-lived, single-use download address."""

    certificate_type: str
    issue_dept: str
    certificate_number: str
    issue_date: str
    file_format: str
    file_url: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> FileLink:
        return cls(
            certificate_type=_text(data, "certificateType"),
            issue_dept=_text(data, "issueDept"),
            certificate_number=_text(data, "certificateNumber"),
            issue_date=_text(data, "issueDate"),
            file_format=_text(data, "fileFormat").upper(),
            file_url=_text(data, "fileUrl"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class FileLinks:
    links: tuple[FileLink, ...]
    unavailable_regions: tuple[str, ...]
    total: int

    @classmethod
    def read(cls, data: dict[str, Any]) -> FileLinks:
        items = tuple(FileLink.read(item) for item in _items(data))
        return cls(items, tuple(_regions(data)), _int(data.get("total"), len(items)))


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """12.1.8, 12.1.9: a certificate's information and surface (照面) data."""

    certificate_type: str
    certificate_type_code: str
    holder: str
    holder_code: str
    holder_type: str
    issue_dept: str
    certificate_number: str
    issue_date: str
    valid_start: str
    valid_end: str
    surface: Any
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> CertificateInfo:
        return cls(
            certificate_type=_text(data, "certificateType"),
            certificate_type_code=_text(data, "certificateTypeCode"),
            holder=_text(data, "certificateHolder"),
            holder_code=_text(data, "certificateHolderCode"),
            holder_type=_text(data, "certificateHolderType"),
            issue_dept=_text(data, "issueDept"),
            certificate_number=_text(data, "certificateNumber"),
            issue_date=_text(data, "issueDate"),
            valid_start=_text(data, "certificateValidateStart"),
            valid_end=_text(data, "certificateValidateEnd"),
            surface=data.get("surface"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class InfoResult:
    certificates: tuple[CertificateInfo, ...]
    unavailable_regions: tuple[str, ...]
    total: int

    @classmethod
    def read(cls, data: dict[str, Any]) -> InfoResult:
        items = tuple(CertificateInfo.read(item) for item in _items(data))
        return cls(items, tuple(_regions(data)), _int(data.get("total"), len(items)))


@dataclass(frozen=True, slots=True)
class Verification:
    """12.1.10: the hub's verdict on a file. ``ok`` is the signature and integrity verdict."""

    ok: bool
    reason: str
    region_code: str
    certificate_number: str
    certificate_status: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> Verification:
        return cls(
            ok=_text(data, "result").strip() == "1",
            reason=_text(data, "reason"),
            region_code=_text(data, "regionCode"),
            certificate_number=_text(data, "certificateNumber"),
            certificate_status=_text(data, "certificateStatus"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class HolderToken:
    """12.2.3 (and the ``userInfo`` of 12.2.2): the holder's trusted token and its expiry."""

    trusted_token: str
    expires_at: dt.datetime | None
    message: str = ""

    @classmethod
    def read(cls, data: dict[str, Any]) -> HolderToken:
        return cls(_text(data, "trustedToken"), parse_time(data.get("expiresAt")), _text(data, "msg"))


@dataclass(frozen=True, slots=True)
class ServiceCodeResult:
    """12.2.2: the holder a service code names, a holder token, and the certificates it lists."""

    user_name: str
    id_card: str
    phone: str
    token: HolderToken
    certificates: tuple[Certificate, ...]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def read(cls, data: dict[str, Any]) -> ServiceCodeResult:
        user = data.get("userInfo") if isinstance(data.get("userInfo"), dict) else {}
        listed = data.get("certificateList") if isinstance(data.get("certificateList"), list) else []
        return cls(
            user_name=_text(user, "userName"),
            id_card=_text(user, "idCard"),
            phone=_text(user, "phone"),
            token=HolderToken.read(user),
            certificates=tuple(Certificate.read(item) for item in listed if isinstance(item, dict)),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Notices:
    """The holder's notices (8.4): which certificate information was obtained, newest first."""

    items: tuple[dict[str, Any], ...]
    total: int

    @classmethod
    def read(cls, data: dict[str, Any]) -> Notices:
        items = tuple(_items(data))
        return cls(items, _int(data.get("total"), len(items)))


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """The evidence log's inclusion proof of entry ``index`` in the tree of ``size`` entries."""

    index: int
    size: int
    path: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class EvidenceEntry:
    """One entry of the evidence log (read by region accounts): its index and leaf bytes."""

    index: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Download:
    """A downloaded file: its bytes, media type and name as the hub announced them."""

    content: bytes
    content_type: str
    filename: str
