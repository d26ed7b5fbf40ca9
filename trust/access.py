"""Checks run before every section-12 handler (7.3, 10.2), filling ``ctx.grants``.

Order, each refusal with its own status code:

1. Views with ``requires_access_token = False`` (12.2.1 registration) pass.
2. Regions, identified by their registered SM2 key, may call the views marked
   ``region_callers_allowed`` (12.1.3 catalog and 12.1.4 scenario-list queries: published
   governance data the regions jointly confirmed) without an access token; any other view is
   refused to them (2037): certificates are obtained by application systems only.
3. The application access token in ``head.accessToken``: present (2001), known (2002), issued to
   the calling application (2005), unrevoked (2004), unexpired (2003). One indexed query.
4. Parameters with ``trustedToken``: the holder token, known (2012), issued to the same
   application (2015), unrevoked (2014), unexpired (2013). One indexed query.
5. Parameters with ``itemCode``: section 7.3 a-b and 9 c through ``scenarios.usage.check_usage``
   (3xxx codes).

Grants: ``application``, ``access_token``, ``holder`` (``trust.holders.HolderIdentity``) and
``usage`` (the ``UsageGrant``), as far as each applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from ysj_protocol import status as st
from ysj_protocol.contrib.compiled import CompiledLookup
from ysj_protocol.envelope import EnvelopeError

from .models import AccessToken, HolderToken
from .parties import REGION
from .tokens import MAX_TOKEN_LENGTH, token_digest

if TYPE_CHECKING:
    import datetime as dt

    from ysj_protocol.contrib.drf import CallContext

    from .envelope.views import EnvelopeAPIView
    from .models import TrustedApplication

#: Route names regions may call without an access token, for views that do not set
#: ``region_callers_allowed`` themselves.
REGION_ROUTES = frozenset({"catalog-query", "scenario-query"})


def authorize_call(view: EnvelopeAPIView, ctx: CallContext) -> None:
    if not getattr(view, "requires_access_token", True):
        return
    if ctx.party.kind == REGION:
        if _region_allowed(view, ctx):
            ctx.grants["region"] = ctx.party.region
            return
        raise EnvelopeError(st.REGION_CALLER_NOT_ALLOWED)
    application = ctx.party.application
    now = timezone.now()
    ctx.grants["application"] = application
    ctx.grants["access_token"] = check_access_token(ctx.head.get("accessToken"), application, now)
    if "trustedToken" in ctx.params:
        from .services import holder_identity

        row = check_holder_token(ctx.params.get("trustedToken"), application, now)
        ctx.grants["holder"] = holder_identity(row)
    if "itemCode" in ctx.params:
        ctx.grants["usage"] = _check_usage(application, ctx.params, now)


def _region_allowed(view: EnvelopeAPIView, ctx: CallContext) -> bool:
    if getattr(view, "region_callers_allowed", False):
        return True
    match = getattr(ctx.request, "resolver_match", None)
    return bool(match and match.url_name in REGION_ROUTES)


#: The two lookups of every call, compiled once (ysj_portal.compiled).
_access_token_by_digest = CompiledLookup(
    AccessToken,
    lambda digest: AccessToken.objects.only("id", "application_id", "prefix", "expires_at", "revoked_at").filter(
        token_hash=digest
    ),
)
_holder_token_by_digest = CompiledLookup(HolderToken, lambda digest: HolderToken.objects.filter(token_hash=digest))


def _lookup_value(token: Any) -> str | None:
    if not isinstance(token, str):
        return None
    token = token.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token_digest(token)


def check_access_token(token: Any, application: TrustedApplication, now: dt.datetime) -> AccessToken:
    if token is None or (isinstance(token, str) and not token.strip()):
        raise EnvelopeError(st.ACCESS_TOKEN_MISSING)
    digest = _lookup_value(token)
    row = _access_token_by_digest.first(digest) if digest else None
    if row is None:
        raise EnvelopeError(st.ACCESS_TOKEN_INVALID)
    if row.application_id != application.pk:
        raise EnvelopeError(st.ACCESS_TOKEN_FOREIGN)
    if row.is_revoked:
        raise EnvelopeError(st.ACCESS_TOKEN_REVOKED)
    if row.is_expired(now):
        raise EnvelopeError(st.ACCESS_TOKEN_EXPIRED, "请重新调用可信应用注册接口申领")
    return row


def check_holder_token(token: Any, application: TrustedApplication, now: dt.datetime) -> HolderToken:
    if token is None or (isinstance(token, str) and not token.strip()):
        raise EnvelopeError(st.HOLDER_TOKEN_MISSING)
    digest = _lookup_value(token)
    row = _holder_token_by_digest.first(digest) if digest else None
    if row is None:
        raise EnvelopeError(st.HOLDER_TOKEN_INVALID)
    if row.application_id != application.pk:
        raise EnvelopeError(st.HOLDER_TOKEN_FOREIGN)
    if row.is_revoked:
        raise EnvelopeError(st.HOLDER_TOKEN_REVOKED)
    if row.is_expired(now):
        raise EnvelopeError(st.HOLDER_TOKEN_EXPIRED)
    return row


def requested_types(params: dict[str, Any]) -> list[str]:
    """The certificate types a call names: ``certificateType`` of tables 3, 5 and 7, if given."""
    value = params.get("certificateType")
    return [value.strip()] if isinstance(value, str) and value.strip() else []


def _check_usage(application: TrustedApplication, params: dict[str, Any], now: dt.datetime) -> Any:
    try:
        from scenarios.usage import check_usage
    except ImportError as exc:  # fail closed until the scenario-list checks are deployed
        raise EnvelopeError(st.NOT_IMPLEMENTED, "用证清单核验尚未启用") from exc
    return check_usage(application, params["itemCode"], requested_types(params), at=now)
