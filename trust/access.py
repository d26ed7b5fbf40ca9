"""The checks run before every section-12 handler (7.3, 10.2): one ``authorize`` for every view.

Order, each refusal with its own status code:

1. The caller's kind must be one the view accepts (``callers``). Regions, identified by their
   registered SM2 key, call 12.1.3 and 12.1.4 as themselves, without an access token. A view of
   the application systems' calls (``APPLICATIONS_DIRECT_OR_RELAYED``) also serves a region's
   system relaying the call of an application registered under it (12.1.2, READING.md "Who calls
   whom"): it presents the application's access token, which names the application; without one
   the region would be calling as itself, which those views refuse (2037), as do views declared
   for applications only. An application registered under another region is refused (2038)
   before anything of its token is told. An application calling a view that declares no
   applications is told the interface is not open to it (9001).
2. Unless the view declares it needs none (12.2.1 registration), the application access token
   in ``head.accessToken``: present (2001), known (2002), issued to the calling application
   (2005), unrevoked (2004), unexpired (2003). One indexed query.
3. The holder token ``trustedToken``, when the view requires one or the parameters carry one:
   checked the same way (2011-2015); a view that requires it answers 2011 when it is absent.
   The holder's ``permission`` (12.2.3) must cover the view's operation and ``itemCode`` (2016).
4. Parameters with ``itemCode``: sections 7.3 a-b and 9 c through the usage check the
   ``scenarios`` app registers (3xxx codes); none registered: 9001, the check fails closed.

Every check after the first runs for a relayed call exactly as for the application's direct call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone

from ysj_portal import metrics
from ysj_protocol import status as st
from ysj_protocol.contrib.compiled import CompiledLookup
from ysj_protocol.envelope import EnvelopeError

from .grants import CallerKind, Grant, Usage, UsageCheck
from .models import AccessToken, HolderToken, Region, TrustedApplication
from .parties import Party
from .permissions import PermissionInvalid, parse_permission
from .services import holder_identity
from .tokens import MAX_TOKEN_LENGTH, token_digest

#: Told to a region calling an application systems' view without the application's token.
RELAY_HINT = "转发本地区应用系统的调用须在 head.accessToken 中携带该应用的可信访问令牌"


def authorize(
    *,
    party: Party,
    callers: frozenset[CallerKind],
    requires_access_token: bool,
    head: dict[str, Any],
    params: dict[str, Any],
    requires_holder_token: bool = False,
    operation: str | None = None,
    on_relay: Callable[[str], None] | None = None,
    now: dt.datetime | None = None,
) -> Grant:
    """The grant of one call, or a refusal (``EnvelopeError``) naming the first check that fails.

    ``operation`` names the view for the holder's ``permission``; ``on_relay`` is told the appId a
    region relays for as soon as it is known, so that even a refused call is recorded under it.
    """
    kind = CallerKind(party.kind)
    relayed = kind is CallerKind.REGION and kind not in callers and CallerKind.RELAYING_REGION in callers
    if kind not in callers and not relayed:
        if kind is CallerKind.REGION:
            raise EnvelopeError(st.REGION_CALLER_NOT_ALLOWED)
        raise EnvelopeError(st.NOT_IMPLEMENTED, "该接口不向应用系统开放")
    if kind is CallerKind.REGION and not relayed:
        return Grant(kind=kind, party=party)
    now = now or timezone.now()
    if relayed:
        region = party.region
        if region is None:  # pragma: no cover - a region party always carries its row
            raise EnvelopeError(st.INTERNAL_ERROR)
        if not requires_access_token:  # 12.2.1: the application is named by appId, checked there
            if on_relay is not None and isinstance(params.get("appId"), str):
                on_relay(params["appId"])
            return Grant(kind=CallerKind.APPLICATION, party=party, relaying_region=region)
        application = relayed_application(region, head.get("accessToken"), on_relay=on_relay)
    else:
        application = party.application
        if application is None:  # pragma: no cover - an application party always carries its row
            raise EnvelopeError(st.INTERNAL_ERROR)
        if not requires_access_token:
            return Grant(kind=kind, party=party, application=application)
        region = None
    access_token = check_token(ACCESS_TOKEN, head.get("accessToken"), application, now)
    holder = None
    if requires_holder_token or "trustedToken" in params:
        holder_row = check_token(HOLDER_TOKEN, params.get("trustedToken"), application, now)
        check_permission(holder_row, operation=operation, item_code=params.get("itemCode"))
        holder = holder_identity(holder_row)
    usage = check_usage(application, params, now) if "itemCode" in params else None
    return Grant(
        kind=CallerKind.APPLICATION,
        party=party,
        application=application,
        access_token=access_token,
        holder=holder,
        usage=usage,
        relaying_region=region,
    )


def relayed_application(
    region: Region, token: Any, *, on_relay: Callable[[str], None] | None = None
) -> TrustedApplication:
    """The application whose access token a region presents, if registered under that region.

    The token is only looked up here; ``check_token`` then checks it as for a direct call. A token
    of another region's application is refused (2038) before its state is told.
    """
    if token is None or (isinstance(token, str) and not token.strip()):
        raise EnvelopeError(st.REGION_CALLER_NOT_ALLOWED, RELAY_HINT)
    digest = _lookup_value(token)
    row = ACCESS_TOKEN.lookup.first(digest) if digest else None
    if row is None:
        raise EnvelopeError(ACCESS_TOKEN.invalid)
    application = TrustedApplication.objects.select_related("region").get(pk=row.application_id)
    if on_relay is not None:
        on_relay(application.app_id)
    if application.region_id != region.pk:
        raise EnvelopeError(st.REGION_RELAY_FOREIGN_APPLICATION, f"appId {application.app_id} 不是本地区登记的应用系统")
    if not application.is_active:
        raise EnvelopeError(st.ACCOUNT_DISABLED, f"应用系统 {application.app_id} 已{application.get_status_display()}")
    return application


def check_permission(row: HolderToken, *, operation: str | None, item_code: Any) -> None:
    """Refuse (2016) a call outside the ``permission`` the holder token was issued with (12.2.3).

    A permission stored before its form was checked at issue time and not in that form refuses
    every call: what the holder allowed cannot be told, so nothing is allowed (fail closed).
    """
    try:
        permission = parse_permission(row.permission)
    except PermissionInvalid:
        raise EnvelopeError(st.HOLDER_PERMISSION_DENIED, "访问授权信息无法识别，请重新申领持证主体可信访问凭证") from None
    code = item_code if isinstance(item_code, str) else None
    if not permission.allows(operation=operation, item_code=code):
        raise EnvelopeError(st.HOLDER_PERMISSION_DENIED, permission.refusal(operation=operation, item_code=code))


# ---------------------------------------------------------------- tokens


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """How one kind of token is found and what each refusal answers."""

    lookup: CompiledLookup
    missing: st.Status
    invalid: st.Status
    foreign: st.Status
    revoked: st.Status
    expired: st.Status
    expired_hint: str | None = None
    #: The token's name in the metrics (``ysj_token_checks_total``).
    name: str = "token"


#: The two lookups of every call, compiled once (ysj_protocol.contrib.compiled).
ACCESS_TOKEN = TokenCheck(
    lookup=CompiledLookup(
        AccessToken,
        lambda digest: AccessToken.objects.only(
            "id", "application_id", "prefix", "expires_at", "revoked_at"
        ).filter(token_hash=digest),
    ),
    missing=st.ACCESS_TOKEN_MISSING,
    invalid=st.ACCESS_TOKEN_INVALID,
    foreign=st.ACCESS_TOKEN_FOREIGN,
    revoked=st.ACCESS_TOKEN_REVOKED,
    expired=st.ACCESS_TOKEN_EXPIRED,
    expired_hint="请重新调用可信应用注册接口申领",
    name="access",
)
HOLDER_TOKEN = TokenCheck(
    lookup=CompiledLookup(HolderToken, lambda digest: HolderToken.objects.filter(token_hash=digest)),
    missing=st.HOLDER_TOKEN_MISSING,
    invalid=st.HOLDER_TOKEN_INVALID,
    foreign=st.HOLDER_TOKEN_FOREIGN,
    revoked=st.HOLDER_TOKEN_REVOKED,
    expired=st.HOLDER_TOKEN_EXPIRED,
    name="holder",
)


def _lookup_value(token: Any) -> str | None:
    if not isinstance(token, str):
        return None
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token_digest(token)


def check_token(check: TokenCheck, token: Any, application: TrustedApplication, now: dt.datetime) -> Model:
    """The token's row if ``application`` may use it at ``now``, else the refusal of ``check``."""
    try:
        row = _checked_token(check, token, application, now)
    except EnvelopeError as exc:
        metrics.observe_token_check(token=check.name, result=exc.status.code)
        raise
    metrics.observe_token_check(token=check.name, result="0")
    return row


def _checked_token(check: TokenCheck, token: Any, application: TrustedApplication, now: dt.datetime) -> Model:
    if token is None or (isinstance(token, str) and not token.strip()):
        raise EnvelopeError(check.missing)
    digest = _lookup_value(token)
    row = check.lookup.first(digest) if digest else None
    if row is None:
        raise EnvelopeError(check.invalid)
    if row.application_id != application.pk:
        raise EnvelopeError(check.foreign)
    if row.is_revoked:
        raise EnvelopeError(check.revoked)
    if row.is_expired(now):
        raise EnvelopeError(check.expired, check.expired_hint)
    return row


# ---------------------------------------------------------------- scenario-list usage

_usage_check: UsageCheck | None = None


def register_usage_check(check: UsageCheck | None) -> None:
    """Install the scenario-list check (``scenarios`` does, when its app loads); None removes it."""
    global _usage_check
    _usage_check = check


def requested_types(params: dict[str, Any]) -> list[str]:
    """The certificate types a call names: ``certificateType`` of tables 3, 5 and 7, if given."""
    value = params.get("certificateType")
    return [value.strip()] if isinstance(value, str) and value.strip() else []


def check_usage(application: TrustedApplication, params: dict[str, Any], now: dt.datetime) -> Usage:
    """The use of the scenario list ``itemCode`` by ``application`` at ``now``, through the registered check."""
    if _usage_check is None:  # fail closed until the scenario-list checks are deployed
        raise EnvelopeError(st.NOT_IMPLEMENTED, "用证清单核验尚未启用")
    return _usage_check(application, params["itemCode"], requested_types(params), at=now)
