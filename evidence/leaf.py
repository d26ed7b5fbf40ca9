"""The one canonical encoding of an entry's leaf bytes (version 1).

A leaf is UTF-8 JSON of one object: keys sorted, no whitespace (``separators=(",", ":")``),
non-ASCII characters as themselves (``ensure_ascii=False``), every value a string or an integer.
Each kind has a fixed set of fields, all present (an unknown value is ``""``), plus ``"v": 1``
and ``kind``. Times are Beijing time with microseconds and a fixed offset,
``yyyy-MM-ddTHH:mm:ss.ffffff+08:00``; digests are lower-case SM3 hex; a holder appears only as
its keyed digest (``sharing.holders``). Every entry carries a random ``entryId`` (UUID4 hex),
so two identical calls are two different leaves.

Calls (``served``: a call the hub answered, refused or not; ``made``: a call the hub made to a
region for it): ``account`` (the caller's account when served, the region's when made),
``application``, ``at``, ``bizNum``, ``direction``, ``endpoint``, ``entryId``, ``holder``,
``httpStatus``, ``operator``, ``region``, ``relayingRegion``, ``requestDigest``, ``requestId``,
``responseDigest``, ``scenario``, ``status``. The digests are those of the exact HTTP bodies, as
the region on the other side computes them.

Decisions (``governance``: a step of a scenario list's workflow; ``catalog``: a catalog change;
``publication``: a publication to the regions): ``action``, ``actor`` (user name),
``actorRegion``, ``at``, ``entryId``, ``objectCode``, ``objectKind``, ``objectRevision``,
``reasonDigest`` (SM3 of the reason text, ``""`` for none).

Downloads (``download``: a certificate file leaving through a signed address): ``application``,
``at``, ``bizNum``, ``entryId``, ``fileDigest``, ``holder``, ``link``, ``operator``, ``region``,
``requestId``, ``scenario``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from ysj_protocol.crypto.sm3 import sm3_hex

from .models import EntryKind

VERSION = 1
BEIJING = dt.timezone(dt.timedelta(hours=8))
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+08:00"

CALL_FIELDS = frozenset({
    "account", "application", "at", "bizNum", "direction", "endpoint", "entryId", "holder", "httpStatus",
    "operator", "region", "relayingRegion", "requestDigest", "requestId", "responseDigest", "scenario", "status",
})
DECISION_FIELDS = frozenset({
    "action", "actor", "actorRegion", "at", "entryId", "objectCode", "objectKind", "objectRevision", "reasonDigest",
})
DOWNLOAD_FIELDS = frozenset({
    "application", "at", "bizNum", "entryId", "fileDigest", "holder", "link", "operator", "region", "requestId",
    "scenario",
})
FIELDS: dict[str, frozenset[str]] = {
    EntryKind.SERVED: CALL_FIELDS,
    EntryKind.MADE: CALL_FIELDS,
    EntryKind.GOVERNANCE: DECISION_FIELDS,
    EntryKind.CATALOG: DECISION_FIELDS,
    EntryKind.PUBLICATION: DECISION_FIELDS,
    EntryKind.DOWNLOAD: DOWNLOAD_FIELDS,
}
INTEGER_FIELDS = frozenset({"httpStatus", "objectRevision"})
#: Fields copied to a browsing column are cut to its length when the leaf is made, so the column
#: always equals the leaf's value.
LIMITS = {
    "region": 8, "relayingRegion": 8, "actorRegion": 8, "application": 64, "operator": 64, "actor": 64,
    "holder": 64, "scenario": 64, "objectCode": 64, "bizNum": 64, "endpoint": 128, "objectKind": 128,
    "status": 8, "requestId": 64, "requestDigest": 64,
}


class LeafError(ValueError):
    """Bytes that are not a leaf of this encoding."""


def format_time(value: dt.datetime) -> str:
    """An aware time as the leaf writes it (Beijing time, microseconds)."""
    if value.tzinfo is None:
        raise LeafError("leaf times must be aware")
    return value.astimezone(BEIJING).strftime(TIME_FORMAT)


def parse_time(text: str) -> dt.datetime:
    """A leaf time back as an aware datetime; anything but the leaf's own form is refused."""
    try:
        value = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise LeafError(f"not a leaf time: {text!r}") from exc
    if value.utcoffset() != BEIJING.utcoffset(None) or format_time(value) != text:
        raise LeafError(f"not a leaf time: {text!r}")
    return value


def new_entry_id() -> str:
    return uuid.uuid4().hex


def reason_digest(reason: str) -> str:
    return sm3_hex(reason.encode("utf-8")) if reason else ""


def encode(kind: str, fields: dict[str, Any]) -> bytes:
    """The leaf bytes of an entry of ``kind``; ``fields`` must be exactly the kind's field set.

    ``at`` may be given as an aware datetime; ``entryId`` is added when absent.
    """
    fields = dict(fields)
    fields.setdefault("entryId", new_entry_id())
    if isinstance(fields.get("at"), dt.datetime):
        fields["at"] = format_time(fields["at"])
    expected = FIELDS.get(kind)
    if expected is None:
        raise LeafError(f"unknown entry kind {kind!r}")
    if set(fields) != expected:
        missing, extra = sorted(expected - set(fields)), sorted(set(fields) - expected)
        raise LeafError(f"{kind} leaf fields wrong: missing {missing}, unexpected {extra}")
    for name, value in fields.items():
        wanted = int if name in INTEGER_FIELDS else str
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise LeafError(f"{kind} leaf field {name} must be {wanted.__name__}")
        if wanted is str:
            # No database keeps NUL in a text column; a lone surrogate has no UTF-8.
            value = value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
            fields[name] = value[: LIMITS[name]] if name in LIMITS else value
    return _dumps({**fields, "kind": kind, "v": VERSION})


def _dumps(value: dict[str, Any]) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def decode(data: bytes, *, strict: bool = True) -> dict[str, Any]:
    """The fields of a leaf, checked to be in the canonical encoding (re-encoding gives the same bytes).

    ``strict=False`` skips the re-encoding and the time check: for bytes whose hash is checked
    anyway (``verify_evidence`` reads leaves the integrator decoded strictly).
    """
    try:
        value = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise LeafError("leaf is not UTF-8 JSON") from exc
    if not isinstance(value, dict) or type(value.get("v")) is not int or value["v"] != VERSION:
        raise LeafError("leaf is not a version 1 object")
    kind = value.get("kind")
    expected = FIELDS.get(kind) if isinstance(kind, str) else None
    if expected is None or set(value) != expected | {"kind", "v"}:
        raise LeafError(f"leaf of kind {kind!r} has the wrong fields")
    if strict:
        _check_values(kind, value)
        try:
            canonical = _dumps(value)
        except UnicodeEncodeError as exc:  # a lone surrogate escaped in the JSON
            raise LeafError("leaf has text that is not UTF-8") from exc
        if canonical != bytes(data):
            raise LeafError("leaf is not in canonical form")
        parse_time(value["at"])
    return value


def _check_values(kind: str, value: dict[str, Any]) -> None:
    """Each value of the type and length ``encode`` gives it, so its columns can be written as they are."""
    for name in FIELDS[kind]:
        item = value[name]
        wanted = int if name in INTEGER_FIELDS else str
        if not isinstance(item, wanted) or isinstance(item, bool):
            raise LeafError(f"{kind} leaf field {name} must be {wanted.__name__}")
        if wanted is int and not -(2**63) <= item < 2**63:
            raise LeafError(f"{kind} leaf field {name} is out of range")
        if wanted is str and ("\x00" in item or len(item) > LIMITS.get(name, len(item))):
            raise LeafError(f"{kind} leaf field {name} has a NUL or is longer than its column")


def columns(fields: dict[str, Any], *, parse_at: bool = True) -> dict[str, Any]:
    """The browsing columns of ``EvidenceEntry`` a decoded leaf determines (checked by ``verify_evidence``).

    With ``parse_at=False`` the time stays the leaf's text (compared as ``format_time`` of the column).
    """
    kind = fields["kind"]
    common = {"kind": kind, "at": parse_time(fields["at"]) if parse_at else fields["at"]}
    if kind in (EntryKind.SERVED, EntryKind.MADE):
        return {
            **common,
            "region": fields["region"],
            "application": fields["application"],
            "relaying_region": fields["relayingRegion"],
            "operator": fields["operator"],
            "holder_digest": fields["holder"],
            "scenario_code": fields["scenario"],
            "biz_num": fields["bizNum"],
            "endpoint": fields["endpoint"],
            "status_code": fields["status"],
            "request_id": fields["requestId"],
            "request_digest": fields["requestDigest"],
        }
    if kind == EntryKind.DOWNLOAD:
        return {
            **common,
            "region": fields["region"],
            "application": fields["application"],
            "relaying_region": "",
            "operator": fields["operator"],
            "holder_digest": fields["holder"],
            "scenario_code": fields["scenario"],
            "biz_num": fields["bizNum"],
            "endpoint": "",
            "status_code": "",
            "request_id": fields["requestId"],
            "request_digest": "",
        }
    return {
        **common,
        "region": fields["actorRegion"],
        "application": "",
        "relaying_region": "",
        "operator": fields["actor"],
        "holder_digest": "",
        "scenario_code": fields["objectCode"] if fields["objectKind"] == "scenario_list" else "",
        "biz_num": "",
        "endpoint": fields["objectKind"],
        "status_code": "",
        "request_id": "",
        "request_digest": "",
    }


#: The browsing columns, in the order ``columns`` gives them.
COLUMN_NAMES = (
    "kind", "at", "region", "application", "relaying_region", "operator", "holder_digest", "scenario_code",
    "biz_num", "endpoint", "status_code", "request_id", "request_digest",
)
