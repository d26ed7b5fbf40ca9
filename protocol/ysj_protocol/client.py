"""HTTP client for section-12 endpoints, used by the hub towards the regions and by application
systems towards the hub.

One ``httpx.Client`` per peer keeps connections alive between calls; it is thread-safe, so a
fan-out over several threads shares it. Failures are typed so that a caller can tell a peer
that is down (``TransportError``) from one that answered garbage (``ProtocolError``) or one that
refused the call (``StatusError``).

The outcome of a call is its ``head.status``, whatever the HTTP status: a provider following
12.1.2 answers a refusal with HTTP 200 and a non-zero status, and that is a ``StatusError``
just as a mapped 4xx is. With ``der=True`` the request's ciphertext is the GM/T 0009 DER form;
an answer is read in whichever form it comes.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from . import envelope
from . import status as st
from .crypto import sm2
from .records import MADE, CallRecord, Recorder, digest

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
REQUEST_ID_HEADER = "X-Request-ID"


class ClientError(Exception):
    """Base of every failure of an envelope call."""


class TransportError(ClientError):
    """The peer could not be reached or did not answer in time."""


class ProtocolError(ClientError):
    """The peer answered something that is not a valid envelope for us."""


class StatusError(ClientError):
    """The peer answered a non-zero ``head.status``.

    ``http_status`` is kept for the record only: 200 from a provider that answers as 12.1.2
    shows, the status's own 4xx/5xx from one that maps them. Decide on ``status``.
    """

    def __init__(self, status: str, message: str, http_status: int) -> None:
        self.status = status
        self.message = message
        self.http_status = http_status
        super().__init__(f"{status} {message}")

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed later (a fault of the provider), not a refusal.

        By the HTTP status from a provider that maps codes to 4xx/5xx; by the code's entry in
        ``ysj_protocol.status`` from one that answers HTTP 200 as 12.1.2 shows. A code this table
        does not know is a refusal: retrying it would hold up whatever waits behind the call.
        """
        if self.http_status >= 400:
            return self.http_status >= 500
        known = st.lookup(self.status)
        return known is not None and known.http_status >= 500


@dataclass(slots=True)
class Peer:
    """Where and whom to call: the provider's base URL and public key."""

    base_url: str
    public_key: sm2.PublicKey
    name: str = ""


class EnvelopeClient:
    def __init__(
        self,
        peer: Peer,
        *,
        account_id: str,
        private_key: sm2.PrivateKey,
        timeout: float = 5.0,
        recorder: Recorder | None = None,
        base64_wrap: bool = False,
        der: bool = False,
        http: httpx.Client | None = None,
    ) -> None:
        self.peer = peer
        self.account_id = account_id
        self.private_key = private_key
        self.timeout = timeout
        self.recorder = recorder
        self.base64_wrap = base64_wrap
        #: Send the ciphertext in the GM/T 0009 DER form instead of hex C1C3C2.
        self.der = der
        self._own_http = http is None
        self.http = http or httpx.Client(
            base_url=peer.base_url.rstrip("/"),
            timeout=timeout,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            headers={"Content-Type": JSON_CONTENT_TYPE, "Accept": "application/json"},
        )

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> EnvelopeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def call(
        self,
        path: str,
        params: dict[str, Any],
        *,
        head: dict[str, Any] | None = None,
        timeout: float | None = None,
        request_id: str | None = None,
        check: bool = True,
        recorder: Recorder | None = None,
    ) -> envelope.OpenedResponse:
        """Call ``path`` with ``params``; with ``check`` a non-zero status raises StatusError.

        The call's record goes to ``recorder`` if given, else to the client's own: a caller that
        keeps each call's record with its own work (the hub's fan-out) passes one per call.
        """
        recorder = recorder if recorder is not None else self.recorder
        request_id = request_id or uuid.uuid4().hex
        body = envelope.seal_request(
            self.account_id, params, self.peer.public_key, head=head, base64_wrap=self.base64_wrap, der=self.der
        )
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        started = time.perf_counter()
        http_status = 0
        response_bytes = b""
        status_code = ""
        error = ""
        try:
            try:
                response = self.http.post(
                    path,
                    content=payload,
                    timeout=timeout if timeout is not None else self.timeout,
                    headers={REQUEST_ID_HEADER: request_id},
                )
            except httpx.TimeoutException as exc:
                error = "timeout"
                raise TransportError(f"{self.peer.name or self.peer.base_url}: 超时") from exc
            except httpx.HTTPError as exc:
                error = type(exc).__name__
                raise TransportError(f"{self.peer.name or self.peer.base_url}: {exc}") from exc
            http_status = response.status_code
            response_bytes = response.content
            try:
                # Read as the providers read requests: a hostile answer is a ProtocolError, never a crash.
                opened = envelope.open_response(envelope.load_json(response_bytes), self.private_key)
            except (ValueError, envelope.EnvelopeError) as exc:
                error = "protocol"
                # A gateway that dropped a non-2xx body leaves only the HTTP status to report.
                where = f"HTTP {http_status}，" if not 200 <= http_status < 300 else ""
                raise ProtocolError(f"{self.peer.name or self.peer.base_url}: {where}应答不是合法的信封") from exc
            status_code = opened.status
            if check and not opened.ok:
                raise StatusError(opened.status, opened.message, http_status)
            return opened
        finally:
            if recorder is not None:
                recorder(
                    CallRecord(
                        direction=MADE,
                        account_id=self.peer.name or self.peer.base_url,
                        endpoint=path,
                        http_status=http_status,
                        status_code=status_code,
                        latency_ms=(time.perf_counter() - started) * 1000,
                        request_digest=digest(payload),
                        response_digest=digest(response_bytes),
                        biz_num=str(params.get("bizNum", ""))[:64],
                        request_id=request_id,
                        error=error,
                    )
                )


__all__ = [
    "ClientError",
    "EnvelopeClient",
    "Peer",
    "ProtocolError",
    "StatusError",
    "TransportError",
    "st",
]
