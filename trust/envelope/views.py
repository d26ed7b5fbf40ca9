"""The hub's binding of the envelope view: its registry, its key, its call records and access checks."""

from __future__ import annotations

from typing import ClassVar

from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2
from ysj_protocol.records import CallRecord

from ..access import authorize
from ..calls import record_calls
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

    def resolve_party(self, account_id: str) -> Party | None:
        return resolve_account(account_id)

    def private_key(self) -> sm2.PrivateKey:
        return hub_private_key()

    def new_work(self) -> CallWork:
        return CallWork()

    def commit(self, ctx: CallContext, served: CallRecord) -> None:
        """What the call handed out commits with its record, or the answer does not leave.

        A call that produced no rows (a query, 12.2.x) only appends its records: a failure there
        is logged and does not change the answer.
        """
        if ctx.work.rows:
            commit(ctx.work, served)
        else:
            self.record(served)

    def record(self, record: CallRecord) -> None:
        """Append the record of the call with those of the region calls made for it (never raises)."""
        ctx = self.call_context
        record_calls([*ctx.work.calls, record] if ctx is not None and ctx.work is not None else [record])

    def authorize(self, ctx: CallContext) -> None:
        """Access checks of 7.3 and 10.2 (``trust.access.authorize``), the same for every view."""
        ctx.grant = authorize(
            party=ctx.party,
            callers=self.callers,
            requires_access_token=self.requires_access_token,
            head=ctx.head,
            params=ctx.params,
        )
