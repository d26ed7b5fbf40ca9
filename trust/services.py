"""Write logic of the trust service: secrets, access tokens, holder tokens, service codes (10, 12.2)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from ysj_protocol import profile
from ysj_protocol import status as st
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.identifiers import mask_phone

from . import protect, throttle
from .holders import HolderIdentity
from .models import (
    AcceptedServiceCode,
    AccessToken,
    ApplicationStatus,
    AuthType,
    HolderToken,
    Region,
    RegistrationAttempt,
    TrustedApplication,
)
from .permissions import PermissionInvalid, normalise_permission
from .service_codes import DecodedServiceCode, decode_service_code
from .tokens import ACCESS_PREFIX, HOLDER_PREFIX, mint

if TYPE_CHECKING:
    from .work import CallWork

logger = logging.getLogger(__name__)

HOLDER_CODE = "holder_code"
PHONE = "phone"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as handed out: the value exists only here, the row keeps its digest."""

    token: str
    expires_at: dt.datetime
    row: Any


def format_time(moment: dt.datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Asia/Shanghai: the profile's one form for every time answered."""
    return profile.format_time(moment)


def holder_key(code_type: str, code: str) -> str:
    # The sharing services refer to holders by the same keyed digest (certificate IDs, retrievals).
    from sharing.holders import holder_key as sharing_holder_key

    return sharing_holder_key(code_type, code)


# ---------------------------------------------------------------------------- applications
def new_app_secret() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def allocate_secret(application: TrustedApplication, *, rotating: bool = False) -> str:
    """Give the application a new appSecret (shown once) and keep only its salted hash.

    Rotation also revokes the access tokens obtained with the previous secret: a secret is
    rotated because it may have leaked.
    """
    secret = new_app_secret()
    application.secret_hash = make_password(secret)
    application.secret_issued_at = timezone.now()
    application.save(update_fields=["secret_hash", "secret_issued_at", "updated_at"])
    if rotating:
        revoke_access_tokens(application.access_tokens.all(), "应用密钥已重置")
    return secret


@transaction.atomic
def set_application_status(application: TrustedApplication, status: str, reason: str = "") -> None:
    """Suspend, reactivate or revoke an application; suspension and revocation end its tokens."""
    application.status = status
    application.status_reason = reason[:200]
    application.save(update_fields=["status", "status_reason", "updated_at"])
    if status != ApplicationStatus.ACTIVE:
        label = ApplicationStatus(status).label
        revoke_access_tokens(application.access_tokens.all(), f"应用{label}")
        revoke_holder_tokens(application.holder_tokens.all(), f"应用{label}")


def revoke_access_tokens(tokens: QuerySet[AccessToken], reason: str) -> int:
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason=reason[:200])


def revoke_holder_tokens(tokens: QuerySet[HolderToken], reason: str) -> int:
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason=reason[:200])


def issue_access_token(application: TrustedApplication, *, client_ip: str | None = None) -> IssuedToken:
    minted = mint(ACCESS_PREFIX, settings.YSJ_ACCESS_TOKEN_TTL, timezone.now())
    row = AccessToken.objects.create(application=application, client_ip=client_ip, **minted.columns())
    return IssuedToken(token=minted.token, expires_at=minted.expires_at, row=row)


# ---------------------------------------------------------------------------- registration (12.2.1)
def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, or the header named by YSJ_CLIENT_IP_HEADER behind a proxy."""
    value = ""
    header = settings.YSJ_CLIENT_IP_HEADER
    if header:
        value = request.headers.get(header, "").split(",")[0].strip()
    value = value or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _attempt(app_id: str, ip: str | None, *, succeeded: bool, reason: str) -> None:
    RegistrationAttempt.objects.create(app_id=app_id[:64], client_ip=ip, succeeded=succeeded, reason=reason)


def register_application(
    *,
    account_id: str,
    app_id: str,
    app_secret: str,
    corp_name: str,
    corp_code: str,
    ip: str | None,
    relaying_region: Region | None = None,
) -> IssuedToken:
    """Check appId/appSecret and the corporation (12.2.1) and hand out an access token.

    Called directly, ``appId`` must be the caller's own account (2036). Relayed by a region's
    system (``relaying_region``, READING.md "Who calls whom"), the token goes to the application
    named by ``appId``, which must be registered under that region (2038, told before its secret
    is looked at, so that a region cannot test the secrets of another region's applications).

    The attempt is counted by ``trust.throttle`` before anything is checked (per appId and client
    address, and per address): past the free failures the scope is locked for growing periods
    and refused with 2021, saying when to retry, before the secret is even looked at.
    """
    try:
        throttle.reserve(app_id, ip, relay=relaying_region.code if relaying_region else "")
    except throttle.Locked as locked:
        _attempt(app_id, ip, succeeded=False, reason="rate_limited")
        minutes = max(1, math.ceil((locked.until - timezone.now()).total_seconds() / 60))
        raise EnvelopeError(
            st.RATE_LIMITED, f"注册失败次数过多，已暂停受理，请于 {format_time(locked.until)} 后重试（约 {minutes} 分钟）"
        ) from None

    def refuse(status: st.Status, reason: str, detail: str | None = None) -> EnvelopeError:
        _attempt(app_id, ip, succeeded=False, reason=reason)
        logger.info("application registration refused: appId=%s ip=%s reason=%s", app_id[:64], ip, reason)
        return EnvelopeError(status, detail)

    if relaying_region is None and app_id != account_id:
        raise refuse(st.APP_ID_MISMATCH, "app_id_mismatch")
    application = TrustedApplication.objects.filter(app_id=app_id).first()
    if relaying_region is not None and application is not None and application.region_id != relaying_region.pk:
        raise refuse(st.REGION_RELAY_FOREIGN_APPLICATION, "foreign_region", f"appId {app_id[:64]} 不是本地区登记的应用系统")
    # check_password also runs on a missing application so that timing does not tell them apart
    # ("!" is Django's unusable-password prefix: it runs the hasher once and fails; None raises).
    hashed = application.secret_hash if application is not None and application.secret_hash else "!"
    if not check_password(app_secret, hashed) or application is None:
        raise refuse(st.APP_CREDENTIALS_INVALID, "bad_secret")
    if application.status == ApplicationStatus.SUSPENDED:
        raise refuse(st.APP_SUSPENDED, "suspended", application.status_reason or None)
    if application.status == ApplicationStatus.REVOKED:
        raise refuse(st.APP_REVOKED, "revoked", application.status_reason or None)
    if corp_code.strip().upper() != application.corp_code.upper():
        raise refuse(st.APP_CORP_MISMATCH, "corp_code", "统一社会信用代码不符")
    if corp_name.strip() != application.corp_name.strip():
        raise refuse(st.APP_CORP_MISMATCH, "corp_name", "单位名称不符")
    with transaction.atomic():
        issued = issue_access_token(application, client_ip=ip)
        _attempt(app_id, ip, succeeded=True, reason="ok")
        throttle.succeeded(app_id, ip, relay=relaying_region.code if relaying_region else "")
    return issued


# ---------------------------------------------------------------------------- holder tokens
def issue_holder_token(
    *,
    application: TrustedApplication,
    holder: HolderIdentity,
    auth_type: str,
    phone: str = "",
    transaction_id: str = "",
    permission: str = "",
    location: str = "",
    service_code: DecodedServiceCode | None = None,
) -> IssuedToken:
    """A holder token bound to the holder, the application and the permission given; it expires.

    A repeated ``transactionId`` of the same application is refused (4021), never answered with
    a second token: the first token was handed out once and is not kept in a readable form.
    ``permission`` is kept in its one normalised form (``trust.permissions``), checked on every call.
    """
    try:
        permission = normalise_permission(permission)
    except PermissionInvalid as exc:
        raise EnvelopeError(st.INVALID_PARAMETERS, f"permission：{exc}") from exc
    minted = mint(HOLDER_PREFIX, settings.YSJ_HOLDER_TOKEN_TTL, timezone.now())
    if transaction_id and HolderToken.objects.filter(application=application, transaction_id=transaction_id).exists():
        raise EnvelopeError(st.DUPLICATE_TRANSACTION, f"transactionId {transaction_id[:64]} 已申领过令牌")
    try:
        with transaction.atomic():
            row = HolderToken.objects.create(
                application=application,
                transaction_id=transaction_id,
                auth_type=auth_type,
                holder_name=holder.name[:128],
                holder_code_type=holder.code_type,
                holder_code_sealed=protect.seal(holder.code, HOLDER_CODE),
                holder_key=holder_key(holder.code_type, holder.code),
                holder_code_masked=holder.masked_code,
                phone_sealed=protect.seal(phone, PHONE),
                phone_masked=mask_phone(phone) if phone else "",
                service_code_type=service_code.code_type if service_code else "",
                service_code_region=service_code.region_code if service_code else "",
                permission=permission,
                location=location[:200],
                **minted.columns(),
            )
    except IntegrityError as exc:  # a concurrent request with the same transactionId won
        raise EnvelopeError(st.DUPLICATE_TRANSACTION, f"transactionId {transaction_id[:64]} 已申领过令牌") from exc
    return IssuedToken(token=minted.token, expires_at=minted.expires_at, row=row)


def holder_identity(row: HolderToken) -> HolderIdentity:
    """The holder of a token, the number decrypted in memory for this call only."""
    return HolderIdentity(
        name=row.holder_name,
        code_type=row.holder_code_type,
        code=protect.unseal(row.holder_code_sealed, HOLDER_CODE),
        token=row,
    )


# ---------------------------------------------------------------------------- service codes
def accept_service_code(decoded: DecodedServiceCode, application: TrustedApplication) -> None:
    """Remember the code's nonce until it expires; a second presentation is refused (4014)."""
    if not decoded.replay_key:
        return
    digest = sm3_hex(decoded.replay_key.encode("utf-8"))
    if AcceptedServiceCode.objects.filter(nonce_hash=digest).exists():
        raise EnvelopeError(st.SERVICE_CODE_REPLAYED)
    try:
        with transaction.atomic():
            AcceptedServiceCode.objects.create(
                nonce_hash=digest,
                code_type=decoded.code_type,
                region_code=decoded.region_code,
                application=application,
                expires_at=decoded.expires_at or timezone.now(),
            )
    except IntegrityError as exc:
        raise EnvelopeError(st.SERVICE_CODE_REPLAYED) from exc


def decoded_holder(decoded: DecodedServiceCode) -> HolderIdentity:
    return HolderIdentity(name=decoded.holder_name, code_type=decoded.holder_code_type, code=decoded.holder_code)


def redeem_holder_code(
    *, application: TrustedApplication, qr_code: str, **token_fields: Any
) -> tuple[DecodedServiceCode, IssuedToken]:
    """Decode a service code and issue the holder's token in one transaction (12.2.3 authType 3)."""
    decoded = decode_service_code(qr_code)
    with transaction.atomic():
        accept_service_code(decoded, application)
        issued = issue_holder_token(
            application=application,
            holder=decoded_holder(decoded),
            phone=decoded.phone,
            service_code=decoded,
            **token_fields,
        )
    return decoded, issued


def verify_service_code(
    *,
    application: TrustedApplication,
    qr_code: str,
    usage: Any,
    work: CallWork | None = None,
    params: Mapping[str, Any] | None = None,
    relaying_region: Region | None = None,
    request_id: str = "",
) -> dict[str, Any]:
    """12.2.2: decode the code, issue the holder's token and ten-minute IDs of its certificates.

    Only certificates whose type the scenario list (``usage``) allows are listed; the others the
    code may name are left out, as any other use outside the list would be refused. With the
    call's unit of work (``work``, its audit fields ``params``), the holder is told of the
    certificates listed (8.4): the notice commits with the answer, its text is ``holderNotice``.
    """
    from sharing.certificate_ids import issue_certificate_id

    allowed = set(getattr(usage, "allowed_type_codes", None) or [])
    with transaction.atomic():
        decoded, issued = redeem_holder_code(
            application=application, qr_code=qr_code, auth_type=AuthType.SERVICE_CODE
        )
        holder = HolderIdentity(
            name=decoded.holder_name, code_type=decoded.holder_code_type, code=decoded.holder_code, token=issued.row
        )
        certificates, handed_out = [], []
        for item in decoded.certificates:
            if item["certificateTypeCode"] not in allowed:
                continue
            summary = {key: item[key] for key in ("certificateType", "certificateTypeCode", "issueDept",
                                                   "certificateNumber", "issueDate")}
            certificate_id = issue_certificate_id(
                application=application,
                holder=holder,
                scenario_list=usage.scenario_list,
                region_code=decoded.region_code,
                certificate_ref=item["certificateRef"],
                summary=summary,
            )
            handed_out.append(item)
            certificates.append(
                {
                    "certificateID": certificate_id,
                    "certificateId": certificate_id,
                    "certificateType": item["certificateType"],
                    "issueDept": item["issueDept"],
                    "certificateNumber": item["certificateNumber"],
                    "issueDate": item["issueDate"],
                }
            )
    user_info = {"userName": decoded.holder_name, "idCard": decoded.holder_code, "trustedToken": issued.token,
                 "expiresAt": format_time(issued.expires_at)}
    if decoded.phone:
        user_info["phone"] = decoded.phone
    result = {"userInfo": user_info, "certificateList": certificates}
    if work is not None:
        # The notices app builds on trust; imported here as the sharing app is, above.
        from notices.services import notify_service_code

        result["holderNotice"] = notify_service_code(
            work=work,
            holder_key=holder_key(decoded.holder_code_type, decoded.holder_code),
            application=application,
            params=params or {},
            region_code=decoded.region_code,
            listed=handed_out,
            usage=usage,
            relaying_region=relaying_region,
            request_id=request_id,
        )
    return result
