"""Who asks: the application, holder and scenario list of one sharing call, as the access checks granted them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trust.grants import Grant, Usage
from trust.holders import HolderIdentity
from trust.models import Region, TrustedApplication
from trust.permissions import PermissionInvalid, parse_permission
from ysj_protocol import status as st
from ysj_protocol.contrib.drf import CallContext
from ysj_protocol.envelope import EnvelopeError

from .certificate_ids import resolve_certificate_id
from .holders import holder_key_of
from .models import CertificateID
from .regions import GrantScope, audit_of


@dataclass(slots=True)
class Caller:
    """The application, holder and scenario list of one call, and its audit fields."""

    application: TrustedApplication
    params: dict[str, Any]
    request_id: str
    usage: Usage
    holder: HolderIdentity | None = None
    #: The region relaying the application's call, if any (``Grant.relaying_region``).
    relaying_region: Region | None = None

    @property
    def scenario_code(self) -> str:
        return str(self.params.get("itemCode", ""))

    @property
    def holder_key(self) -> str:
        return holder_key_of(self.holder) if self.holder is not None else ""

    @property
    def holder_permission(self) -> str:
        """The ``permission`` of the holder token presented (12.2.3), as stored at issue time."""
        token = self.holder.token if self.holder is not None else None
        return token.permission if token is not None else ""

    @property
    def audit(self) -> dict[str, str]:
        return audit_of(self.params, self.application)

    @property
    def grant_scope(self) -> GrantScope:
        """What every provider call made for this call is granted: the regions check it (10.1 d)."""
        holder = self.holder
        return GrantScope(
            app_id=self.application.app_id,
            item_code=self.scenario_code,
            type_codes=tuple(sorted(self.usage.allowed_type_codes)),
            biz_num=str(self.params.get("bizNum", "")),
            relaying_region=self.relaying_region.code if self.relaying_region is not None else "",
            holder=(str(holder.code_type), str(holder.code)) if holder is not None else None,
        )


def caller_from(ctx: CallContext, *, needs_holder: bool = False) -> Caller:
    """Read what the access checks put in ``ctx.grant``; refuse if they did not run.

    The sharing services fail closed: without a checked scenario list (and holder, where the
    table asks for one) nothing is searched.
    """
    grant: Grant | None = ctx.grant
    if grant is None or grant.application is None:  # the access checks did not run: a wiring fault
        raise EnvelopeError(st.INTERNAL_ERROR)
    if needs_holder and grant.holder is None:
        raise EnvelopeError(st.HOLDER_TOKEN_MISSING)
    if grant.usage is None:
        raise EnvelopeError(st.SCENARIO_NOT_FOUND, f"itemCode={ctx.params.get('itemCode', '')}")
    return Caller(
        application=grant.application,
        params=ctx.params,
        request_id=ctx.request_id,
        usage=grant.usage,
        holder=grant.holder,
        relaying_region=grant.relaying_region,
    )


def certificate_for(caller: Caller, *, operation: str) -> CertificateID:
    """The certificate behind ``certificateID``, if the caller may still obtain it by ``operation``.

    Besides the ID's own binding (application, scenario list, ten minutes), the certificate type
    must still be shared under the scenario list now: a list narrowed since the search wins. And
    the holder's ``permission`` that the search was made under still holds: an ID found with a
    token allowing only ``search`` does not open the certificate's file or information (2016).
    """
    row = resolve_certificate_id(
        str(caller.params.get("certificateID", "")), application=caller.application, scenario_code=caller.scenario_code
    )
    if row.certificate_type_code and not caller.usage.allows_code(row.certificate_type_code):
        raise EnvelopeError(st.CERTIFICATE_TYPE_NOT_IN_SCENARIO, row.summary.get("certificateType", ""))
    try:
        permission = parse_permission(row.holder_permission)
    except PermissionInvalid:
        raise EnvelopeError(st.HOLDER_PERMISSION_DENIED, "访问授权信息无法识别，请重新申领持证主体可信访问凭证") from None
    if not permission.allows(operation=operation, item_code=row.scenario_code):
        raise EnvelopeError(
            st.HOLDER_PERMISSION_DENIED, permission.refusal(operation=operation, item_code=row.scenario_code)
        )
    return row
