"""The hub's middleware: the envelope guard recording what it answers, and the request metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ysj_protocol.contrib.middleware import EnvelopeGuardMiddleware
from ysj_protocol.records import CallRecord


class HubEnvelopeGuardMiddleware(EnvelopeGuardMiddleware):
    """Every ``/api/v1/`` answer is an envelope; the ones this layer gives are recorded like the others."""

    def record(self, record: CallRecord) -> None:
        from trust.calls import record_call  # the app registry is ready by the first request

        record_call(record)


class MetricsMiddleware:
    """Counts and times every answer by route (bounded labels) and ``head.status`` (``ysj_portal.metrics``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from . import metrics

        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        endpoint = match.route if match is not None and match.route else "unmatched"
        metrics.observe_request(
            endpoint=endpoint[:128],
            status=str(getattr(response, "envelope_status", "") or ""),
            http=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
