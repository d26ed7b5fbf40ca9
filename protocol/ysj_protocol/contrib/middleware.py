"""The outermost guarantee of the envelope paths: whatever fails, the caller gets an envelope.

The envelope view answers every refusal itself (``ysj_protocol.contrib.drf``). What it never
sees (a path that resolves to nothing, a non-envelope view under the same prefix that raises,
a middleware that refuses the request) would otherwise be Django's HTML page; an exchange
gateway or a caller's client cannot read that. This middleware, first in ``MIDDLEWARE``, turns
each such answer into ``{"head": {"status", "message"}}`` with the documented code and keeps a
record of it through ``record`` (by default nothing).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse

from .. import status as st
from ..client import REQUEST_ID_HEADER
from ..records import SERVED, CallRecord, digest
from .drf import configured_http_status_mode, envelope_response, http_status_for, record_text

logger = logging.getLogger(__name__)

#: The status answered in place of a non-envelope error page, by its HTTP status.
STATUS_FOR_HTTP: dict[int, st.Status] = {
    400: st.MALFORMED_ENVELOPE,
    404: st.NOT_FOUND,
    405: st.METHOD_NOT_ALLOWED,
    413: st.PAYLOAD_TOO_LARGE,
    415: st.UNSUPPORTED_MEDIA_TYPE,
}


def status_for_http(http_status: int) -> st.Status:
    """The documented code standing for an HTTP error: its own when it has one, else 1001 or 9999."""
    if http_status in STATUS_FOR_HTTP:
        return STATUS_FOR_HTTP[http_status]
    return st.MALFORMED_ENVELOPE if 400 <= http_status < 500 else st.INTERNAL_ERROR


def status_for_exception(exc: Exception) -> st.Status:
    """The documented code for an exception no view turned into an answer."""
    if isinstance(exc, Http404):
        return st.NOT_FOUND
    if isinstance(exc, RequestDataTooBig):
        return st.PAYLOAD_TOO_LARGE
    if isinstance(exc, SuspiciousOperation | PermissionDenied):
        return st.MALFORMED_ENVELOPE
    return st.INTERNAL_ERROR


def is_envelope(response: HttpResponse) -> bool:
    """A JSON answer, or a successful one (a download under the prefix is not an error page)."""
    content_type = response.get("Content-Type", "")
    return response.status_code < 400 or content_type.startswith("application/json")


class EnvelopeGuardMiddleware:
    """Envelope answers, never HTML, for every request under ``prefix``."""

    prefix = "/api/v1/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(self.prefix):
            return self.get_response(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception as exc:  # Django converts these already; this is the layer that must not fail
            logger.exception("unanswered error under %s", request.path)
            return self.answer(request, status_for_exception(exc), started)
        if is_envelope(response):
            return response
        return self.answer(request, status_for_http(response.status_code), started)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        """A view under the prefix raised: the documented code, not the error page."""
        if not request.path.startswith(self.prefix):
            return None
        status = status_for_exception(exc)
        if status is st.INTERNAL_ERROR:
            logger.exception("unhandled error in the view of %s", request.path, exc_info=exc)
        return self.answer(request, status, None)

    def answer(self, request: HttpRequest, status: st.Status, started: float | None) -> HttpResponse:
        """The envelope of ``status`` in clear (the caller is unknown here), recorded.

        Its HTTP status follows the deployment's mode, as the envelope view's answers do.
        """
        body = {"head": {"status": status.code, "message": status.message}}
        response = envelope_response(body, http_status_for(status, configured_http_status_mode()))
        response.envelope_status = status.code
        request_id = record_text((request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64])
        response[REQUEST_ID_HEADER] = request_id
        try:
            self.record(self._call_record(request, response, request_id, started))
        except Exception:  # the answer is decided; a failing record must not replace it
            logger.exception("could not record the call to %s", request.path)
        return response

    def _call_record(
        self, request: HttpRequest, response: HttpResponse, request_id: str, started: float | None
    ) -> CallRecord:
        try:
            body = request.body
        except Exception:  # too large, or already read as a stream: the digest is left empty
            body = b""
        return CallRecord(
            direction=SERVED,
            account_id="",
            endpoint=record_text(request.path),
            http_status=response.status_code,
            status_code=response.envelope_status,
            latency_ms=(time.perf_counter() - started) * 1000 if started is not None else 0.0,
            request_digest=digest(body),
            response_digest=digest(response.content),
            request_id=request_id,
        )

    def record(self, record: CallRecord) -> None:
        """Keep the record of a call this layer answered; by default nothing."""
