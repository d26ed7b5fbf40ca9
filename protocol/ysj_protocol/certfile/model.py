"""The data an electronic certificate file carries, independent of PDF or OFD.

The same `CertificateData` is drawn on the page (surface), encoded in the QR code (a compact
reference) and embedded as JSON in the file, so that a verifier can tell which region issued the
file and which certificate it is without trusting anything outside the signed bytes.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .. import regions
from .errors import CertFileError

#: JSON schema marker written into every embedded document, so later revisions can be told apart.
SCHEMA = "ysj.certificate/1"


@dataclass(frozen=True)
class Region:
    """One issuing party (a row of ``ysj_protocol.regions``), as a certificate file names it."""

    code: str
    name: str
    division_code: str


REGIONS: dict[str, Region] = {info.code: Region(info.code, info.name, info.division_code) for info in regions.REGIONS}

_INTERNAL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Control characters cannot appear in XML 1.0 text nor be drawn; a line break is allowed in surface values.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_NEWLINE_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")


def region(code: str) -> Region:
    """Look a region up by its letter code; unknown codes are a caller error."""
    try:
        return REGIONS[code]
    except KeyError:
        raise CertFileError(f"unknown region code {code!r}") from None


def new_internal_id() -> str:
    """A fresh internal id (32 hex digits) for a newly issued certificate."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class CertificateData:
    """Metadata and surface data of one electronic certificate (电子证照).

    Field names follow the section-12 parameter tables when serialised (`to_dict`), so the JSON
    embedded in a file reads like the 12.1.8 answer for the same certificate.
    """

    region_code: str
    certificate_type: str
    certificate_type_code: str
    certificate_number: str
    holder_name: str
    holder_code: str
    holder_code_type: str
    issue_dept: str
    issue_date: date
    valid_from: date
    valid_until: date | None
    internal_id: str
    surface: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        region(self.region_code)
        for name in (
            "certificate_type",
            "certificate_type_code",
            "certificate_number",
            "holder_name",
            "holder_code",
            "holder_code_type",
            "issue_dept",
        ):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise CertFileError(f"{name} must be a non-empty string")
            if _CONTROL_RE.search(value):
                raise CertFileError(f"{name} contains control characters")
        if not _INTERNAL_ID_RE.fullmatch(self.internal_id):
            raise CertFileError("internal_id must be 1-64 characters of [A-Za-z0-9._-]")
        for name in ("issue_date", "valid_from"):
            if not isinstance(getattr(self, name), date):
                raise CertFileError(f"{name} must be a date")
        if self.valid_until is not None:
            if not isinstance(self.valid_until, date):
                raise CertFileError("valid_until must be a date or None")
            if self.valid_until < self.valid_from:
                raise CertFileError("valid_until is before valid_from")
        for label, value in self.surface.items():
            if not isinstance(label, str) or not isinstance(value, str):
                raise CertFileError("surface must map strings to strings")
            if _CONTROL_RE.search(label) or _CONTROL_EXCEPT_NEWLINE_RE.search(value):
                raise CertFileError(f"surface entry {label!r} contains control characters")

    @property
    def region(self) -> Region:
        return region(self.region_code)

    @property
    def indefinite(self) -> bool:
        """True when the certificate is valid indefinitely (长期, an empty end date)."""
        return self.valid_until is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; an indefinite end date is written as an empty string (6.2 c, 6.3 d)."""
        return {
            "schema": SCHEMA,
            "regionCode": self.region_code,
            "internalId": self.internal_id,
            "certificateType": self.certificate_type,
            "certificateTypeCode": self.certificate_type_code,
            "certificateNumber": self.certificate_number,
            "certificateHolder": self.holder_name,
            "certificateHolderCode": self.holder_code,
            "certificateHolderType": self.holder_code_type,
            "issueDept": self.issue_dept,
            "issueDate": self.issue_date.isoformat(),
            "certificateValidateStart": self.valid_from.isoformat(),
            "certificateValidateEnd": self.valid_until.isoformat() if self.valid_until else "",
            "surface": dict(self.surface),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CertificateData:
        """Inverse of `to_dict`; raises CertFileError on anything malformed."""
        if not isinstance(raw, dict):
            raise CertFileError("certificate data must be a JSON object")
        if raw.get("schema") != SCHEMA:
            raise CertFileError(f"unsupported certificate data schema {raw.get('schema')!r}")
        try:
            end = raw.get("certificateValidateEnd")
            surface = raw.get("surface") or {}
            if not isinstance(surface, dict):
                raise CertFileError("surface must be a JSON object")
            return cls(
                region_code=raw["regionCode"],
                internal_id=raw["internalId"],
                certificate_type=raw["certificateType"],
                certificate_type_code=raw["certificateTypeCode"],
                certificate_number=raw["certificateNumber"],
                holder_name=raw["certificateHolder"],
                holder_code=raw["certificateHolderCode"],
                holder_code_type=raw["certificateHolderType"],
                issue_dept=raw["issueDept"],
                issue_date=date.fromisoformat(raw["issueDate"]),
                valid_from=date.fromisoformat(raw["certificateValidateStart"]),
                valid_until=date.fromisoformat(end) if end else None,
                surface=surface,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, CertFileError):
                raise
            raise CertFileError(f"malformed certificate data: {exc}") from exc

    def to_json(self) -> bytes:
        """UTF-8 JSON as embedded in the files (Chinese kept readable, surface order kept)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> CertificateData:
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise CertFileError(f"certificate data is not valid JSON: {exc}") from exc
        return cls.from_dict(raw)
