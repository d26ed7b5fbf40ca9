"""Provider side of the envelope for Django REST Framework (the one module here that needs DRF).

The base view of every section-12 endpoint, used by the hub and by the regional nodes. It owns the envelope: size and content-type checks, caller resolution, decryption, parameter
validation, the answer encrypted for the caller, and one call record per request whatever
happens. A handler only sees validated business parameters and returns business output; it
refuses by raising ``EnvelopeError`` with a code of ``ysj_protocol.status``. Every other
exception becomes status 9999 with no detail, never a stack trace.

An answer that carries a head is HTTP 200 and says its outcome in ``head.status`` (12.1.2);
only refusals of a request that is not a section-12 call at all (method, media type, size,
path) keep their HTTP error status. ``HTTP_STATUS_MAPPED`` (per view, or the deployment's
``YSJ_ENVELOPE_HTTP_STATUS=mapped``) answers each code with its own HTTP status instead.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from .. import envelope
from .. import status as st
from ..client import REQUEST_ID_HEADER
from ..crypto import sm2
from ..envelope import EnvelopeError
from ..records import SERVED, CallRecord, digest

logger = logging.getLogger(__name__)

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

#: Request bodies from this size on are digested for the call record on a helper thread while the
#: call is processed (SM3 runs without the GIL on large inputs): a 5 MiB file in 12.1.10 makes a
#: 28 MB body, whose digest would otherwise add tens of milliseconds to the answer.
BACKGROUND_DIGEST_BYTES = 1024 * 1024
_digest_lock = threading.Lock()
_digest_pool: ThreadPoolExecutor | None = None


def _digest_later(body: bytes) -> Future[str]:
    global _digest_pool
    with _digest_lock:
        if _digest_pool is None:
            _digest_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ysj-digest")
    return _digest_pool.submit(digest, body)


def first_error(errors: Any, prefix: str = "") -> str:
    """A one-line, human-readable description of the first serializer error."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = key if key != "non_field_errors" else ""
            return first_error(value, f"{prefix}.{name}" if prefix and name else prefix or name)
    if isinstance(errors, list) and errors:
        return first_error(errors[0], prefix)
    text = str(errors)
    return f"{prefix}：{text}" if prefix else text


def record_text(text: str) -> str:
    """``text`` as a call record can keep it: without NUL, lone surrogates replaced.

    A refused call is recorded like any other, and what it claimed (account, ``bizNum``, path)
    may hold exactly the characters a database refuses.
    """
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


#: An answer that carries a head is HTTP 200, its outcome in ``head.status`` alone, as 12.1.2
#: shows: exchange gateways of the provinces often drop the body of a non-2xx answer, and with it
#: the status code and message the caller needs.
HTTP_STATUS_HEAD = "head"
#: Each status code is answered with its own ``Status.http_status`` (4xx, 5xx), for deployments
#: whose gateways and monitoring expect it.
HTTP_STATUS_MAPPED = "mapped"
HTTP_STATUS_MODES = frozenset({HTTP_STATUS_HEAD, HTTP_STATUS_MAPPED})
#: Refusals of a request that never became a section-12 call: another method than POST, another
#: media type, a body over the size limit, a path with no endpoint. No envelope is read, so the
#: HTTP status says what is wrong in either mode (their body still carries a head saying why).
HTTP_LEVEL_REFUSALS = frozenset(
    refusal.code for refusal in (st.PAYLOAD_TOO_LARGE, st.METHOD_NOT_ALLOWED, st.UNSUPPORTED_MEDIA_TYPE, st.NOT_FOUND)
)


def http_status_for(status: st.Status, mode: str = HTTP_STATUS_HEAD) -> int:
    """The HTTP status an answer of ``status`` is sent with under ``mode``."""
    if mode == HTTP_STATUS_MAPPED or status.code in HTTP_LEVEL_REFUSALS:
        return status.http_status
    return 200


def configured_http_status_mode() -> str:
    """The deployment's mode: Django setting ``YSJ_ENVELOPE_HTTP_STATUS``, ``head`` when unset."""
    mode = getattr(settings, "YSJ_ENVELOPE_HTTP_STATUS", HTTP_STATUS_HEAD)
    return mode if mode in HTTP_STATUS_MODES else HTTP_STATUS_HEAD


def envelope_response(body: dict[str, Any], http_status: int) -> HttpResponse:
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return HttpResponse(payload, status=http_status, content_type=JSON_CONTENT_TYPE)


class Party(Protocol):
    """What the envelope needs to know of a caller."""

    account_id: str
    public_key: sm2.PublicKey
    is_active: bool


@dataclass(slots=True)
class CallContext:
    """Everything a handler knows about the call it is answering."""

    request: HttpRequest
    party: Any
    head: dict[str, Any]
    params: dict[str, Any]
    request_id: str
    base64_wrapped: bool = False
    #: What the deployment's access checks established (``authorize``; the hub's ``trust.grants.Grant``).
    grant: Any = None
    #: The deployment's unit of work (``new_work``): what the call produces, which ``commit``
    #: keeps with the record of the call before the answer leaves.
    work: Any = None

    @property
    def account_id(self) -> str:
        return self.party.account_id


class EnvelopeAPIView(APIView):
    """Subclasses set ``params_serializer_class`` and implement ``handle``.

    A deployment binds the view to its registry and key by overriding ``resolve_party``,
    ``private_key`` and ``record``; to keep what a call produced with its record, ``new_work``
    and ``commit``.
    """

    authentication_classes: ClassVar[list] = []
    permission_classes: ClassVar[list] = []
    throttle_classes: ClassVar[list] = []
    params_serializer_class: ClassVar[type[serializers.Serializer] | None] = None
    #: ``HTTP_STATUS_HEAD`` or ``HTTP_STATUS_MAPPED`` for this view; None follows the deployment
    #: (``configured_http_status_mode``).
    http_status_mode: ClassVar[str | None] = None

    # ------------------------------------------------------------------ dispatch
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self._started = time.perf_counter()
        self._party: Party | None = None
        self._claimed_account = ""
        self._base64 = False
        self._der = False
        self._biz_num = ""
        self._request_id = (request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64]
        self._request_bytes = b""
        self._request_digest: Future[str] | None = None
        self._recorded = False
        self.call_context: CallContext | None = None
        try:
            response = super().dispatch(request, *args, **kwargs)
        except Exception:  # handle_exception itself failed: still an envelope, never an HTML page
            logger.exception("unanswered error in %s (request %s)", type(self).__name__, self._request_id)
            response = self._last_resort()
        response[REQUEST_ID_HEADER] = self._request_id
        if not self._recorded:
            try:
                self.record(self._call_record(request, response))
            except Exception:  # the answer is decided; a failing record must not replace it
                logger.exception("could not record the call to %s (request %s)", request.path, self._request_id)
        return response

    def _last_resort(self) -> HttpResponse:
        """9999 in clear, built without the caller's key or anything else that may have failed."""
        status = st.INTERNAL_ERROR
        body = {"head": {"status": status.code, "message": status.message}}
        response = envelope_response(body, http_status_for(status, self.answer_http_status_mode()))
        response.envelope_status = status.code
        return response

    def _call_record(self, request: HttpRequest, response: HttpResponse) -> CallRecord:
        status_code = getattr(response, "envelope_status", "")
        return CallRecord(
            direction=SERVED,
            account_id=record_text(self._party.account_id if self._party else self._claimed_account),
            endpoint=record_text(request.path),
            http_status=response.status_code,
            status_code=status_code,
            latency_ms=(time.perf_counter() - self._started) * 1000,
            request_digest=self._request_digest.result()
            if self._request_digest
            else digest(self._request_bytes),
            response_digest=digest(response.content) if not response.streaming else "",
            biz_num=record_text(self._biz_num),
            request_id=record_text(self._request_id),
        )

    def _commit(self, ctx: CallContext, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """The sealed answer, once ``commit`` kept what the call produced; otherwise 9999 and nothing of it."""
        try:
            self.commit(ctx, self._call_record(request, response))
        except Exception:
            logger.exception("could not write the records of %s (request %s)", type(self).__name__, self._request_id)
            return self.answer(st.INTERNAL_ERROR, None)
        self._recorded = True
        return response

    # ------------------------------------------------------------------ the call
    def post(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        body = self._read_body(request)
        account_id, head, encrypt_data = envelope.split_envelope(body)
        self._claimed_account = account_id[:64]
        party = self.resolve_party(account_id)
        if party is None:
            raise EnvelopeError(st.UNKNOWN_ACCOUNT)
        if not party.is_active:
            raise EnvelopeError(st.ACCOUNT_DISABLED)
        self._party = party
        plaintext, self._der = envelope.decrypt_text_form(self.private_key(), encrypt_data)
        raw_params, self._base64 = envelope.decode_params(plaintext)
        biz_num = raw_params.get("bizNum")
        if isinstance(biz_num, str):
            self._biz_num = biz_num[:64]
        problem = envelope.unsafe_text(raw_params)
        if problem:
            raise EnvelopeError(st.INVALID_PARAMETERS, problem)
        params = self.validate_params(raw_params)
        ctx = CallContext(
            request=request._request,
            party=party,
            head=head,
            params=params,
            request_id=self._request_id,
            base64_wrapped=self._base64,
            work=self.new_work(),
        )
        self.call_context = ctx
        self.authorize(ctx)
        result = self.handle(ctx)
        return self._commit(ctx, request, self.answer(st.OK, result))

    def _read_body(self, request: Request) -> Any:
        content_type = request.content_type or ""
        media_type, _, options = content_type.partition(";")
        charset = options.strip().lower().removeprefix("charset=").strip('"') if options else "utf-8"
        if media_type.strip().lower() != "application/json" or charset not in {"utf-8", "utf8"}:
            raise EnvelopeError(st.UNSUPPORTED_MEDIA_TYPE)
        try:
            self._request_bytes = request._request.body
        except RequestDataTooBig as exc:
            raise EnvelopeError(st.PAYLOAD_TOO_LARGE) from exc
        if not self._request_bytes:
            raise EnvelopeError(st.MALFORMED_ENVELOPE, "请求体为空")
        if len(self._request_bytes) >= BACKGROUND_DIGEST_BYTES:
            self._request_digest = _digest_later(self._request_bytes)
        try:
            return envelope.load_json(self._request_bytes)
        except envelope.JSONRefused as exc:
            raise EnvelopeError(st.MALFORMED_ENVELOPE, f"请求体{exc.reason}") from exc

    def validate_params(self, raw_params: dict[str, Any]) -> dict[str, Any]:
        if self.params_serializer_class is None:
            return raw_params
        serializer = self.params_serializer_class(data=raw_params)
        if not serializer.is_valid():
            raise EnvelopeError(st.INVALID_PARAMETERS, first_error(serializer.errors))
        return dict(serializer.validated_data)

    # ------------------------------------------------------------------ deployment hooks
    def resolve_party(self, account_id: str) -> Party | None:
        raise NotImplementedError

    def private_key(self) -> sm2.PrivateKey:
        raise NotImplementedError

    def record(self, record: CallRecord) -> None:
        """Keep the record of the call (a refused one, or through ``commit`` an answered one); by default nothing."""

    def new_work(self) -> Any:
        """The unit of work of a call about to be handled (``ctx.work``); by default none."""
        return None

    def commit(self, ctx: CallContext, served: CallRecord) -> None:
        """Keep what an answered call produced with ``served``, its record, before the answer leaves.

        Runs once the answer is sealed; if it raises, the caller gets 9999 and nothing of the
        answer. By default the record alone is kept, as ``record`` keeps it.
        """
        self.record(served)

    def authorize(self, ctx: CallContext) -> None:
        """Access checks before the handler, setting ``ctx.grant``; by default a registered, active caller suffices."""

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        raise EnvelopeError(st.NOT_IMPLEMENTED)

    # ------------------------------------------------------------------ answers
    def answer(
        self, status: st.Status, data: dict[str, Any] | None, *, message: str | None = None
    ) -> HttpResponse:
        caller_key = self._party.public_key if self._party is not None else None
        if data is None and caller_key is not None and not status.ok:
            data = {"status": status.code, "message": message or status.message}
        body = envelope.seal_response(
            status, data, caller_key, message=message, base64_wrap=self._base64, der=self._der
        )
        response = envelope_response(body, http_status_for(status, self.answer_http_status_mode()))
        response.envelope_status = status.code
        return response

    def answer_http_status_mode(self) -> str:
        """How this view's answers map to HTTP statuses (see ``HTTP_STATUS_HEAD``)."""
        return self.http_status_mode or configured_http_status_mode()

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, EnvelopeError):
            return self.answer(exc.status, None, message=exc.message)
        if isinstance(exc, drf_exceptions.MethodNotAllowed):
            return self.answer(st.METHOD_NOT_ALLOWED, None)
        if isinstance(exc, drf_exceptions.UnsupportedMediaType):
            return self.answer(st.UNSUPPORTED_MEDIA_TYPE, None)
        if isinstance(exc, drf_exceptions.ParseError):
            return self.answer(st.MALFORMED_ENVELOPE, None)
        logger.exception("unhandled error in %s (request %s)", type(self).__name__, self._request_id)
        return self.answer(st.INTERNAL_ERROR, None)

    def options(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        raise drf_exceptions.MethodNotAllowed("OPTIONS")
