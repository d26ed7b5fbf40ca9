"""The node's binding of the shared envelope view: the hub as caller, our key, our call log."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings

from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2
from ysj_protocol.records import CallRecord

from . import grants, statements
from .keys import hub_public_key, node_private_key

logger = logging.getLogger(__name__)
CallContext = drf.CallContext


@dataclass(frozen=True, slots=True)
class HubParty:
    """The fusion sharing hub, the only caller of a region's protocol endpoints."""

    account_id: str
    public_key: sm2.PublicKey
    is_active: bool = True
    name: str = "长三角电子证照融合共享服务系统"


def record_call(record: CallRecord) -> None:
    """Append to the call log; a failing log write never turns an answer into an error.

    One prepared insert (statements.py): every call served or made writes one row.
    """
    from .exchange.models import CallLog

    try:
        row = CallLog(
            direction=record.direction,
            account_id=record.account_id[:128],
            endpoint=record.endpoint[:255],
            http_status=record.http_status,
            status_code=record.status_code[:8],
            latency_ms=record.latency_ms,
            biz_num=record.biz_num[:64],
            request_id=record.request_id[:64],
            request_digest=record.request_digest,
            response_digest=record.response_digest,
            error=record.error[:64],
        )
        statements.insert([row])
    except Exception:  # the answer is already decided; keep serving, say so in the log
        logger.exception("could not write the call log (%s %s)", record.endpoint, record.request_id)


class NodeEnvelopeAPIView(drf.EnvelopeAPIView):
    #: The hub-region profile keeps each status's own HTTP status: the hub's publication sender
    #: (catalog.delivery) treats a 4xx answer as permanent and a 5xx as retryable.
    http_status_mode = drf.HTTP_STATUS_MAPPED
    #: The provider call a view answers (``ysj_protocol.grants.CALLS``): answered only under the
    #: trust service's grant for it. Empty for what needs none (publications are signed themselves).
    grant_call: ClassVar[str] = ""

    def authorize(self, ctx: CallContext) -> None:
        if self.grant_call:
            ctx.grant = grants.check_call(self.grant_call, ctx.params)

    def resolve_party(self, account_id: str) -> HubParty | None:
        if account_id != settings.NODE_HUB_ACCOUNT_ID:
            return None
        return HubParty(account_id=account_id, public_key=hub_public_key())

    def private_key(self) -> sm2.PrivateKey:
        return node_private_key()

    def record(self, record: CallRecord) -> None:
        record_call(record)
