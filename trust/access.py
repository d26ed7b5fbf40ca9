"""The checks run before every section-12 handler (7.3, 10.2): one ``authorize`` for every view.

Order, each refusal with its own status code:

1. The caller's kind must be one the view accepts (``callers``). A region calling a view meant
   for application systems is refused (2037): certificates are obtained by applications only.
   Regions, identified by their registered SM2 key, need no access token. An application
   calling a view that declares no applications is told the interface is not open to it (9001).
2. Unless the view declares it needs none (12.2.1 registration), the application access token
   in ``head.accessToken``: present (2001), known (2002), issued to the calling application
   (2005), unrevoked (2004), unexpired (2003). One indexed query.
3. The holder token ``trustedToken``, when the view requires one or the parameters carry one:
   checked the same way (2011-2015); a view that requires it answers 2011 when it is absent.
4. Parameters with ``itemCode``: sections 7.3 a-b and 9 c through the usage check the
   ``scenarios`` app registers (3xxx codes); none registered: 9001, the check fails closed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.utils import timezone

from ysj_protocol import status as st
from ysj_protocol.contrib.compiled import CompiledLookup
from ysj_protocol.envelope import EnvelopeError

from .grants import CallerKind, Grant, Usage, UsageCheck
from .models import AccessToken, HolderToken, TrustedApplication
from .parties import Party
from .services import holder_identity
from .tokens import MAX_TOKEN_LENGTH, token_digest


def authorize(
    *,
    party: Party,
    callers: frozenset[CallerKind],
    requires_access_token: bool,
    head: dict[str, Any],
    params: dict[str, Any],
    requires_holder_token: bool = False,
    now: dt.datetime | None = None,
) -> Grant:
    """The grant of one call, or a refusal (``EnvelopeError``) naming the first check that fails."""
    kind = CallerKind(party.kind)
    if kind not in callers:
        if kind is CallerKind.REGION:
            raise EnvelopeError(st.REGION_CALLER_NOT_ALLOWED)
        raise EnvelopeError(st.NOT_IMPLEMENTED, "该接口不向应用系统开放")
    if kind is CallerKind.REGION:
        return Grant(kind=kind, party=party)
    application = party.application
    if application is None:  # pragma: no cover - an application party always carries its row
        raise EnvelopeError(st.INTERNAL_ERROR)
    if not requires_access_token:
        return Grant(kind=kind, party=party, application=application)
    now = now or timezone.now()
    access_token = check_token(ACCESS_TOKEN, head.get("accessToken"), application, now)
    holder = None
    if requires_holder_token or "trustedToken" in params:
        holder = holder_identity(check_token(HOLDER_TOKEN, params.get("trustedToken"), application, now))
    usage = check_usage(application, params, now) if "itemCode" in params else None
    return Grant(
        kind=kind, party=party, application=application, access_token=access_token, holder=holder, usage=usage
    )


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
)
HOLDER_TOKEN = TokenCheck(
    lookup=CompiledLookup(HolderToken, lambda digest: HolderToken.objects.filter(token_hash=digest)),
    missing=st.HOLDER_TOKEN_MISSING,
    invalid=st.HOLDER_TOKEN_INVALID,
    foreign=st.HOLDER_TOKEN_FOREIGN,
    revoked=st.HOLDER_TOKEN_REVOKED,
    expired=st.HOLDER_TOKEN_EXPIRED,
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
