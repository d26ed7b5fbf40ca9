"""The hub's binding of the envelope view: its registry, its key, its call records and access checks."""

from __future__ import annotations

from typing import ClassVar

from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2
from ysj_protocol.records import CallRecord

from ..calls import record_call
from ..keys import hub_private_key
from ..parties import Party, resolve_account

envelope_response = drf.envelope_response
CallContext = drf.CallContext


class EnvelopeAPIView(drf.EnvelopeAPIView):
    #: Whether a region (identified by its SM2 key) may call the view without an access token
    #: (trust.access; the catalog and scenario-list queries of 12.1.3 and 12.1.4).
    region_callers_allowed: ClassVar[bool] = False

    def resolve_party(self, account_id: str) -> Party | None:
        return resolve_account(account_id)

    def private_key(self) -> sm2.PrivateKey:
        return hub_private_key()

    def record(self, record: CallRecord) -> None:
        record_call(record)

    def authorize(self, ctx: CallContext) -> None:
        """Access checks of 7.3 and 10.2 (trust.access)."""
        from ..access import authorize_call

        authorize_call(self, ctx)
