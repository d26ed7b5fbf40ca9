"""The node's envelope guard: the protocol's middleware, recording what it answers in the call log."""

from __future__ import annotations

from ysj_protocol.contrib.middleware import EnvelopeGuardMiddleware
from ysj_protocol.records import CallRecord


class NodeEnvelopeGuardMiddleware(EnvelopeGuardMiddleware):
    """Every ``/api/v1/`` answer of the node is an envelope; the ones this layer gives are logged."""

    def record(self, record: CallRecord) -> None:
        from .envelope import record_call  # the app registry is ready by the first request

        record_call(record)
