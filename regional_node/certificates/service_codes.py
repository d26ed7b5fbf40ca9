"""Demo government service codes (政务服务码, 12.2.2) issued by this region for its holders.

The format is ``ysj_protocol.service_code``'s: signed with the region's SM2 key, verified by the
hub against the region's registered public key. Real regions issue their own codes; the node
issues these so that demos and tests run the 12.2.2 chain for real.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from ysj_protocol.service_code import CODE_TYPES, ServiceCodeError, issue_service_code

from ..keys import node_private_key
from . import services
from .models import Certificate, Holder, HolderCodeType

#: The code a person of each region shows by default, and the one companies show everywhere.
DEFAULT_PERSON_CODE = {"SH": "suishenma", "JS": "sufuma", "ZJ": "zj_license_code", "AH": "anhuima"}
DEFAULT_COMPANY_CODE = "e_business_license"


class IssueRefused(ValueError):
    """The code cannot be issued; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    text: str
    code_type: str
    ttl_seconds: int

    def answer(self) -> dict[str, Any]:
        info = CODE_TYPES[self.code_type]
        return {
            "serviceCode": self.text,
            "codeType": self.code_type,
            "codeTypeName": info.name,
            "region": settings.NODE_REGION,
            "expiresIn": self.ttl_seconds,
        }


def available_types(holder: Holder) -> list[str]:
    kind = "corporation" if holder.code_type == HolderCodeType.USCC else "person"
    return [
        code_id
        for code_id, info in CODE_TYPES.items()
        if info.holder_kind == kind and info.allows_region(settings.NODE_REGION)
    ]


def issue_for(
    holder_code: str,
    *,
    code_type: str = "",
    ttl_seconds: int | None = None,
    with_certificates: bool = False,
) -> IssuedCode:
    """A code for a holder of this region's store; with its valid certificates when asked.

    The certificates are claimed under their shared catalog codes (the hub checks them against
    the scenario list of the scan); a type with no catalog entry in force is left out, as a
    search would leave it out, since the code's payload is readable by whoever scans it.
    """
    holder = Holder.objects.filter(code=holder_code.strip().upper()).first()
    if holder is None:
        raise IssueRefused("本地区无此持证主体")
    allowed = available_types(holder)
    if not code_type:
        code_type = (
            DEFAULT_COMPANY_CODE
            if holder.code_type == HolderCodeType.USCC
            else DEFAULT_PERSON_CODE[settings.NODE_REGION]
        )
    if code_type not in allowed:
        raise IssueRefused(f"本地区不能为该持证主体签发 {code_type}，可选：{'、'.join(allowed)}")
    claims: dict[str, Any] = {"name": holder.name}
    claims["uscc" if holder.code_type == HolderCodeType.USCC else "idCard"] = holder.code
    if with_certificates:
        claims["certificates"] = claimed_certificates(holder)
    ttl = ttl_seconds or settings.NODE_SERVICE_CODE_SECONDS
    try:
        text = issue_service_code(
            code_type, settings.NODE_REGION, node_private_key(), claims, ttl_seconds=ttl
        )
    except ServiceCodeError as exc:
        raise IssueRefused(exc.reason) from exc
    return IssuedCode(text=text, code_type=code_type, ttl_seconds=ttl)


def claimed_certificates(holder: Holder) -> list[dict[str, Any]]:
    """The holder's valid certificates that have a shared code, as search entries without a status."""
    claimed = []
    for certificate in Certificate.objects.effective_valid().filter(holder=holder).order_by("type_code", "id"):
        code = services.shared_code(certificate)
        if code:
            certificate.shared_type_code = code
            claimed.append({k: v for k, v in services.summary(certificate).items() if k != "status"})
    return claimed
