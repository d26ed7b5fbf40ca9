"""The trust service's credentials for the regions (10.1 d, 10.2 b).

Two ways for a region to check a request before answering it: the short-lived grant the trust
service signs for each provider call of the hub (``ysj_protocol.grants``, checked offline with the
hub's public key), and an online check of an access token or holder token that one of the region's
own applications presents (``check_credential``, behind ``/api/v1/trust/credentials/verify``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone

from ysj_protocol import grants as grant_format
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.profile import format_time

from .keys import hub_private_key
from .models import AccessToken, HolderToken, Region
from .tokens import MAX_TOKEN_LENGTH, token_digest


def grant_lifetime() -> int:
    """Seconds a provider-call grant lives (``YSJ_GRANT_SECONDS``, at most the format's 60)."""
    return min(int(getattr(settings, "YSJ_GRANT_SECONDS", 30)), grant_format.MAX_LIFETIME)


def provider_grant(
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
) -> dict[str, Any]:
    """The signed grant of one provider call, issued with the hub's key (the trust service runs in the hub)."""
    return grant_format.issue(
        hub_private_key(),
        region=region,
        call=call,
        app_id=app_id,
        item_code=item_code,
        type_codes=type_codes,
        biz_num=biz_num,
        relaying_region=relaying_region,
        holder=holder,
        certificate_ref=certificate_ref,
        lifetime=grant_lifetime(),
    )


def _row(model: type[AccessToken] | type[HolderToken], token: str) -> Any:
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    return model.objects.select_related("application__region").filter(token_hash=token_digest(token)).first()


def check_credential(*, region: Region, kind: str, token: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Whether ``token`` is valid now, for which application (and holder), under which permission, until when.

    A region learns about the tokens of the applications registered under it only: any other
    token is answered as unknown, so the endpoint cannot be used to probe other regions' tokens.
    """
    now = now or timezone.now()
    model = AccessToken if kind == "access" else HolderToken
    row = _row(model, token.strip())
    if row is None or row.application.region_id != region.pk:
        return {"valid": False, "tokenType": kind, "reason": "令牌不存在或不属于本地区登记的应用"}
    answer: dict[str, Any] = {
        "tokenType": kind,
        "appId": row.application.app_id,
        "issuedAt": format_time(row.issued_at),
        "expiresAt": format_time(row.expires_at),
    }
    if kind == "holder":
        answer |= {
            "holderKey": row.holder_key,
            "holderCodeType": row.holder_code_type,
            "holderCodeMasked": row.holder_code_masked,
            "permission": row.permission,
        }
    else:
        answer["permission"] = "application"
    if row.is_revoked:
        return {**answer, "valid": False, "reason": "令牌已被吊销"}
    if row.is_expired(now):
        return {**answer, "valid": False, "reason": "令牌已过期"}
    if not row.application.is_active:
        return {**answer, "valid": False, "reason": "应用已暂停或吊销"}
    return {**answer, "valid": True, "reason": ""}


def require_one_token(params: dict[str, Any]) -> tuple[str, str]:
    """(kind, token) of a credentials/verify call: exactly one of ``accessToken`` and ``trustedToken``."""
    access, holder = str(params.get("accessToken") or "").strip(), str(params.get("trustedToken") or "").strip()
    if bool(access) == bool(holder):
        raise EnvelopeError(st.INVALID_PARAMETERS, "应提供 accessToken 或 trustedToken 之一")
    return ("access", access) if access else ("holder", holder)
