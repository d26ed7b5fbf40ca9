"""The hub's binding of the envelope view: its registry, its key, its call records and access checks."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, ClassVar

from django.db import transaction

from ysj_protocol import status as st
from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2
from ysj_protocol.envelope import EnvelopeError
from ysj_protocol.records import SERVED, CallRecord

from ..access import authorize
from ..calls import RelayedCallRecord, record_calls
from ..grants import CallerKind
from ..keys import hub_private_key
from ..parties import Party, resolve_account
from ..work import CallWork, commit

envelope_response = drf.envelope_response
CallContext = drf.CallContext


class EnvelopeAPIView(drf.EnvelopeAPIView):
    #: The kinds of caller the view serves (``trust.grants``), declared by each view; others are
    #: refused before the handler. A view that declares none serves no one.
    callers: ClassVar[frozenset[CallerKind]] = frozenset()
    #: Whether an application must present its access token (all but 12.2.1, which issues it).
    requires_access_token: ClassVar[bool] = True
    #: The operation the view is for a holder token's ``permission`` (``trust.permissions``), if
    #: the view takes one.
    holder_operation: ClassVar[str | None] = None
    #: ``(region code, appId)`` of a call a region's system relays, once ``authorize`` knows it.
    relay: tuple[str, str] | None = None

    #: The parameter carrying the holder token (7.2 a, 10.1 b); when the view's serializer requires
    #: it, its absence is the holder-token refusal 2011 of ``trust.access``, not a parameter error.
    holder_token_field: ClassVar[str] = "trustedToken"  # noqa: S105 - a parameter name, not a secret

    def handles_atomically(self) -> bool:
        """Whether the handler's own writes commit in one transaction with the call's records and entries.

        A token issued or a code accepted (the trust service's calls, 12.2.x) is then undone when
        the records or entries cannot be written, as the answer carrying it never leaves. The
        sharing views call the regions while handling; a transaction would stay open for their
        answers, so they keep what they hand out in the unit of work instead (``trust.work``).
        """
        return not type(self).__module__.startswith("sharing.")

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.handles_atomically():
            return super().post(request, *args, **kwargs)
        refusal: EnvelopeError | None = None
        with transaction.atomic():
            try:
                response = super().post(request, *args, **kwargs)
            except EnvelopeError as exc:  # what a refusal wrote stays (a failed registration attempt counts)
                refusal = exc
            else:
                if getattr(response, "envelope_status", "") == st.INTERNAL_ERROR.code:
                    transaction.set_rollback(True)  # the records could not be written: undo the handler's rows
        if refusal is not None:
            raise refusal
        return response

    def requires_holder_token(self) -> bool:
        """Whether the parameters serializer declares the holder token as required."""
        declared = getattr(self.params_serializer_class, "_declared_fields", {})
        field = declared.get(self.holder_token_field)
        return field is not None and field.required

    def validate_params(self, raw_params: dict[str, Any]) -> dict[str, Any]:
        """The parameters, except that an absent or blank holder token is left to ``authorize`` (2011).

        The access token is checked first there, so a call lacking both is told of the access token.
        """
        if not self.requires_holder_token():
            return super().validate_params(raw_params)
        token = raw_params.get(self.holder_token_field)
        if token is not None and not (isinstance(token, str) and not token.strip()):
            return super().validate_params(raw_params)
        others = {key: value for key, value in raw_params.items() if key != self.holder_token_field}
        serializer = self.params_serializer_class(data=others)
        serializer.fields[self.holder_token_field].required = False
        if not serializer.is_valid():
            raise EnvelopeError(st.INVALID_PARAMETERS, drf.first_error(serializer.errors))
        return dict(serializer.validated_data)

    def resolve_party(self, account_id: str) -> Party | None:
        return resolve_account(account_id)

    def private_key(self) -> sm2.PrivateKey:
        return hub_private_key()

    def new_work(self) -> CallWork:
        return CallWork()

    def commit(self, ctx: CallContext, served: CallRecord) -> None:
        """What the call handed out, its records and evidence entries commit, or the answer does not leave.

        Every answered call, 12.2.x included: a failure here is 9999 and nothing of the answer.
        """
        ctx.work.context = ctx
        commit(ctx.work, self.relayed(served))

    def record(self, record: CallRecord) -> None:
        """Append the record and entry of a refused call with those of the region calls made for it.

        The refusal hands nothing out, so a failure here is logged and the refusal still leaves.
        """
        record = self.relayed(record)
        ctx = self.call_context
        records = [*ctx.work.calls, record] if ctx is not None and ctx.work is not None else [record]
        record_calls(records, context=ctx)

    def authorize(self, ctx: CallContext) -> None:
        """Access checks of 7.3 and 10.2 (``trust.access.authorize``), the same for every view."""
        ctx.grant = authorize(
            party=ctx.party,
            callers=self.callers,
            requires_access_token=self.requires_access_token,
            head=ctx.head,
            params=ctx.params,
            requires_holder_token=self.requires_holder_token(),
            operation=self.holder_operation,
            on_relay=functools.partial(self.note_relay, ctx.party),
        )

    def note_relay(self, party: Party, app_id: str) -> None:
        """Remember for the call's record that ``party``, a region, relays for ``app_id``."""
        self.relay = (party.region.code if party.region is not None else "", app_id)

    def relayed(self, record: CallRecord) -> CallRecord:
        """The record of a relayed call names the application (``account_id``) and the relaying region."""
        if self.relay is None or record.direction != SERVED or isinstance(record, RelayedCallRecord):
            return record
        region_code, app_id = self.relay
        values = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
        return RelayedCallRecord(**{**values, "account_id": app_id}, relaying_region=region_code)
