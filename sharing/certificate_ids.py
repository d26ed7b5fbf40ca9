"""``certificateID``: the global, opaque certificate identifier of 12.1.5, valid ten minutes.

A value is 192 random bits from ``secrets`` (URL-safe Base64, 32 characters). Only its SM3 digest
is stored. It is bound to the application that obtained it, the holder it was found for and the
scenario list (``itemCode``) it was found under: another application or another scenario list
cannot use it, and after ten minutes nobody can.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from trust.models import Region, TrustedApplication
from ysj_protocol import status as st
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError

from .holders import holder_key_of
from .models import CertificateID

#: 12.1.5: "十分钟有效".
DEFAULT_LIFETIME = timedelta(minutes=10)
#: Longest value accepted before hashing: anything longer cannot be one of ours.
MAX_VALUE_LENGTH = 64


def lifetime() -> timedelta:
    seconds = getattr(settings, "YSJ_CERTIFICATE_ID_TTL", None)
    return timedelta(seconds=seconds) if seconds else DEFAULT_LIFETIME


def _digest(value: str) -> str:
    return sm3_hex(value.encode("utf-8"))


def _new_value() -> str:
    """A base64url value that never begins with ``-``.

    One value in 64 would otherwise begin with it, and command lines (``ysj fetch <id>``, most
    argument parsers) then read the identifier as an option. Redrawing costs less than a fortieth of a bit
    of the 192.
    """
    while True:
        value = secrets.token_urlsafe(24)
        if not value.startswith("-"):
            return value


@dataclass(frozen=True, slots=True)
class Found:
    """One certificate found at a region, to be given a ``certificateID``."""

    region: Region
    certificate_ref: str
    summary: dict[str, Any]


def issue_certificate_ids(
    found: Sequence[Found],
    *,
    application: TrustedApplication,
    holder_key: str,
    scenario_code: str,
    holder_permission: str = "",
) -> list[str]:
    """Issue one ID per found certificate in a single insert; the values, in the same order."""
    values, rows = build_certificate_ids(
        found,
        application=application,
        holder_key=holder_key,
        scenario_code=scenario_code,
        holder_permission=holder_permission,
    )
    CertificateID.objects.bulk_create(rows)
    return values


def build_certificate_ids(
    found: Sequence[Found],
    *,
    application: TrustedApplication,
    holder_key: str,
    scenario_code: str,
    holder_permission: str = "",
) -> tuple[list[str], list[CertificateID]]:
    """New ID values and their unsaved rows, for a caller that writes them with its other records.

    ``holder_permission`` is the ``permission`` of the holder token the search was made with: the
    calls by ID are held to what the holder allowed the search's token.
    """
    now = timezone.now()
    expires_at = now + lifetime()
    values = [_new_value() for _ in found]
    return values, [
        CertificateID(
            key_hash=_digest(value),
            application=application,
            holder_key=holder_key,
            scenario_code=scenario_code,
            holder_permission=holder_permission[:200],
            region=item.region,
            certificate_ref=item.certificate_ref,
            certificate_type_code=str(item.summary.get("certificateTypeCode", ""))[:64],
            certificate_number=str(item.summary.get("certificateNumber", ""))[:128],
            summary=item.summary,
            issued_at=now,
            expires_at=expires_at,
        )
        for value, item in zip(values, found, strict=True)
    ]


def issue_certificate_id(
    *,
    application: TrustedApplication,
    holder: Any,
    scenario_list: Any,
    region_code: str,
    certificate_ref: str,
    summary: dict[str, Any],
) -> str:
    """Issue one ``certificateID`` (used by 12.2.2 service-code verification).

    ``holder`` is a ``trust.holders.HolderIdentity``; ``scenario_list`` is the scenario list the
    certificate was found under (an object with a ``code`` or the ``itemCode`` itself).
    """
    region = Region.objects.get(code=region_code)
    return issue_certificate_ids(
        [Found(region=region, certificate_ref=certificate_ref, summary=dict(summary))],
        application=application,
        holder_key=holder_key_of(holder),
        scenario_code=scenario_code_of(scenario_list),
    )[0]


def scenario_code_of(scenario_list: Any) -> str:
    if isinstance(scenario_list, str):
        return scenario_list
    for attr in ("code", "item_code"):
        value = getattr(scenario_list, attr, None)
        if isinstance(value, str) and value:
            return value
    raise TypeError(f"cannot tell the code of scenario list {scenario_list!r}")


def resolve_certificate_id(
    value: str, *, application: TrustedApplication, scenario_code: str | None = None
) -> CertificateID:
    """The row behind ``value`` if ``application`` may use it now, else a refusal.

    Refusals, in this order so that nothing is revealed to the wrong party: unknown value (4001);
    issued to another application or under another scenario list (4003); expired (4002).
    """
    value = (value or "").strip()
    if not value or len(value) > MAX_VALUE_LENGTH:
        raise EnvelopeError(st.CERTIFICATE_ID_INVALID)
    row = CertificateID.objects.select_related("region").filter(key_hash=_digest(value)).first()
    if row is None:
        raise EnvelopeError(st.CERTIFICATE_ID_INVALID)
    if row.application_id != application.pk:
        raise EnvelopeError(st.CERTIFICATE_ID_FOREIGN)
    if scenario_code is not None and row.scenario_code != scenario_code:
        raise EnvelopeError(st.CERTIFICATE_ID_FOREIGN, f"该标识是在用证清单 {row.scenario_code} 下检索得到的")
    if row.is_expired:
        raise EnvelopeError(st.CERTIFICATE_ID_EXPIRED)
    return row


def purge_expired(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete IDs expired for longer than ``older_than``; until then they still answer 4002."""
    deleted, _ = CertificateID.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
