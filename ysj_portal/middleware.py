"""The hub's envelope guard: the protocol's middleware, recording what it answers in the call records."""

from __future__ import annotations

from ysj_protocol.contrib.middleware import EnvelopeGuardMiddleware
from ysj_protocol.records import CallRecord


class HubEnvelopeGuardMiddleware(EnvelopeGuardMiddleware):
    """Every ``/api/v1/`` answer is an envelope; the ones this layer gives are recorded like the others."""

    def record(self, record: CallRecord) -> None:
        from trust.calls import record_call  # the app registry is ready by the first request

        record_call(record)
