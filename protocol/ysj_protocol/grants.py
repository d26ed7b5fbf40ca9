"""Provider-call grants: the credential the trust service issues for one call of the hub to a region.

A region answers a provider call (search, info, file, status) only with a credential it can
check itself (10.1 d, 10.2 b): a short-lived grant, signed with the trust service's SM2 key,
naming what the call may ask for. The grant travels as the ``grant`` parameter of the call.

Fields (all strings but ``iat``/``exp``, Unix seconds, and ``certificateTypeCodes``, a sorted list):
``v`` (1), ``aud`` (the region code it is for), ``call`` (search/info/file/status), ``appId``,
``relayingRegion`` (the region relaying the application's call, or ""), ``itemCode``, ``bizNum``,
``certificateTypeCodes`` (shared codes the scenario list allows), ``holder`` ("" or
``holder_digest``), ``certificateRef`` ("" or the reference a by-reference call names),
``nonce`` (32 hex digits), ``iat``, ``exp`` (at most ``MAX_LIFETIME`` after ``iat``) and
``signature``: hex SM2 (default user ID) over the UTF-8 JSON of the other fields with sorted keys
and no white space, as publications are signed.

The holder is named by a digest salted with the grant's nonce: the region computes it from the
holder it is asked about or holds, while the grant itself reveals nothing reusable (the hub's
keyed holder digests need a key the regions do not have).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import profile
from . import status as st
from .crypto import sm2
from .crypto.sm3 import sm3_hex

VERSION = 1
#: The longest a grant may live, in seconds.
MAX_LIFETIME = 60
#: Clock difference tolerated between the trust service and a region, in seconds.
CLOCK_SKEW = 5
#: The calls a grant may be for, by profile path.
CALLS = ("search", "info", "file", "status")
_STRINGS = ("aud", "call", "appId", "relayingRegion", "itemCode", "bizNum", "holder", "certificateRef", "nonce")
_FIELDS = frozenset({"v", "iat", "exp", "certificateTypeCodes", "signature", *_STRINGS})


class GrantRefused(Exception):
    """A grant that does not allow the call; ``status`` is the ``head.status`` to answer."""

    def __init__(self, status: st.Status, detail: str = "") -> None:
        super().__init__(detail or status.message)
        self.status = status
        self.detail = detail


def holder_digest(nonce: str, code_type: str, code: str) -> str:
    """The holder as a grant names it: SM3 of nonce, code type and code (trimmed, upper case)."""
    text = f"{nonce}\x1f{code_type.strip()}\x1f{code.strip().upper()}"
    return sm3_hex(text.encode("utf-8"))


def signing_bytes(grant: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON of every field but ``signature``, keys sorted, no white space: as publications."""
    return profile.signing_bytes(grant)


def issue(
    private_key: sm2.PrivateKey,
    *,
    region: str,
    call: str,
    app_id: str,
    item_code: str,
    type_codes: Iterable[str],
    biz_num: str = "",
    relaying_region: str = "",
    holder: tuple[str, str] | None = None,
    certificate_ref: str = "",
    lifetime: int = 30,
    now: float | None = None,
) -> dict[str, Any]:
    """A signed grant for one call; ``holder`` is (code type, code) when the call is about a holder."""
    if call not in CALLS:
        raise ValueError(f"unknown call {call!r}")
    if not 0 < lifetime <= MAX_LIFETIME:
        raise ValueError(f"lifetime must be 1..{MAX_LIFETIME} s")
    issued = int(now if now is not None else time.time())
    nonce = secrets.token_hex(16)
    grant: dict[str, Any] = {
        "v": VERSION,
        "aud": region,
        "call": call,
        "appId": app_id,
        "relayingRegion": relaying_region,
        "itemCode": item_code,
        "bizNum": biz_num,
        "certificateTypeCodes": sorted(set(type_codes)),
        "holder": holder_digest(nonce, *holder) if holder else "",
        "certificateRef": certificate_ref,
        "nonce": nonce,
        "iat": issued,
        "exp": issued + lifetime,
    }
    grant["signature"] = sm2.sign(private_key, signing_bytes(grant)).hex().upper()
    return grant


@dataclass(frozen=True, slots=True)
class CheckedGrant:
    """A grant whose signature and times were checked; what the call may ask for."""

    region: str
    call: str
    app_id: str
    relaying_region: str
    item_code: str
    biz_num: str
    type_codes: frozenset[str]
    holder: str
    certificate_ref: str
    nonce: str
    issued_at: int
    expires_at: int

    def names_holder(self, code_type: str, code: str) -> bool:
        return bool(self.holder) and secrets.compare_digest(self.holder, holder_digest(self.nonce, code_type, code))

    def allows_audit(self, audit: Mapping[str, Any] | None) -> None:
        """The audit fields must be those the grant was issued for (application, scenario list, bizNum)."""
        if audit is None:
            return
        for name, granted in (("appId", self.app_id), ("itemCode", self.item_code), ("bizNum", self.biz_num)):
            if str(audit.get(name, "")) != granted:
                raise GrantRefused(st.GRANT_EXCEEDED, f"audit.{name} 与凭证不符")

    def allows_types(self, codes: Iterable[str]) -> None:
        outside = sorted(set(codes) - self.type_codes)
        if outside:
            raise GrantRefused(st.GRANT_EXCEEDED, f"证照类型 {'、'.join(outside)} 不在凭证范围内")

    def allows_certificate(self, own_code: str, shared_code: str) -> None:
        """A certificate is within the grant when its own or its shared type code is granted.

        One the region can no longer map to a shared code (its catalog entry withdrawn since the
        hub found it) is judged by the reference the grant names, checked against the call's.
        """
        if own_code in self.type_codes or (shared_code and shared_code in self.type_codes):
            return
        if not shared_code and self.certificate_ref:
            return
        raise GrantRefused(st.GRANT_EXCEEDED, "该证照的类型不在凭证范围内")


def check(
    grant: Any, public_key: sm2.PublicKey, *, region: str, call: str, now: float | None = None
) -> CheckedGrant:
    """The grant of a call to ``region``'s ``call``, checked: form, signature, times, audience and call.

    Replay (the nonce) is the region's to check, with the store it shares across its processes.
    """
    if grant is None or grant == "" or grant == {}:
        raise GrantRefused(st.GRANT_MISSING)
    if not isinstance(grant, Mapping) or set(grant) != _FIELDS:
        raise GrantRefused(st.GRANT_INVALID, "凭证字段不完整或有多余字段")
    if grant["v"] != VERSION or not all(isinstance(grant[name], str) for name in _STRINGS):
        raise GrantRefused(st.GRANT_INVALID, "凭证格式错误")
    codes, iat, exp = grant["certificateTypeCodes"], grant["iat"], grant["exp"]
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise GrantRefused(st.GRANT_INVALID, "凭证格式错误")
    if not all(isinstance(value, int) and not isinstance(value, bool) for value in (iat, exp)):
        raise GrantRefused(st.GRANT_INVALID, "凭证时间格式错误")
    if len(grant["nonce"]) != 32:
        raise GrantRefused(st.GRANT_INVALID, "凭证随机数格式错误")
    signature = grant["signature"]
    try:
        raw = bytes.fromhex(signature) if isinstance(signature, str) else b""
    except ValueError:
        raw = b""
    if not raw or not sm2.verify(public_key, signing_bytes(grant), raw):
        raise GrantRefused(st.GRANT_INVALID)
    moment = now if now is not None else time.time()
    if not 0 < exp - iat <= MAX_LIFETIME:
        raise GrantRefused(st.GRANT_EXPIRED, f"凭证有效期超过 {MAX_LIFETIME} 秒")
    if moment < iat - CLOCK_SKEW or moment > exp + CLOCK_SKEW:
        raise GrantRefused(st.GRANT_EXPIRED)
    if grant["aud"] != region or grant["call"] != call:
        raise GrantRefused(st.GRANT_EXCEEDED, "凭证不是为本地区的本接口签发的")
    return CheckedGrant(
        region=grant["aud"],
        call=grant["call"],
        app_id=grant["appId"],
        relaying_region=grant["relayingRegion"],
        item_code=grant["itemCode"],
        biz_num=grant["bizNum"],
        type_codes=frozenset(codes),
        holder=grant["holder"],
        certificate_ref=grant["certificateRef"],
        nonce=grant["nonce"],
        issued_at=iat,
        expires_at=exp,
    )
