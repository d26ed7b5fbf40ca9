"""The region relays its own application systems' section-12 calls to the hub (7.2 b, 8.1 b, 12.1.2).

An application calls ``<node>/ysj/api/v1/...`` exactly as it would call the hub: its envelope is
encrypted to the region's (the node's) public key. The node decrypts it with its own key, checks
that the caller is one of its registered, active applications, and calls the same path at the hub
with the region's account and key pair, passing ``head.accessToken`` through. The hub's outcome
(``head.status`` and data) is answered encrypted to the application's key, in the form the
application used. Download addresses in the data point at the hub and are handed through.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from rest_framework.request import Request

from ysj_protocol import status as st
from ysj_protocol.client import EnvelopeClient, Peer, ProtocolError, TransportError
from ysj_protocol.contrib import drf
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError, encrypt_text
from ysj_protocol.records import CallRecord

from ..envelope import record_call
from ..keys import hub_public_key, node_private_key
from .models import Application, RelayedToken

logger = logging.getLogger(__name__)
CallContext = drf.CallContext
SHANGHAI = ZoneInfo("Asia/Shanghai")

#: Codes the hub answers about the region's own envelope (its account, key, ciphertext), not about
#: the application's call: the application is told the relay failed, not that its envelope did.
HUB_ENVELOPE_FAULTS = frozenset(
    s.code
    for s in (
        st.MALFORMED_ENVELOPE,
        st.MISSING_ACCOUNT,
        st.UNKNOWN_ACCOUNT,
        st.BAD_HEX,
        st.DECRYPTION_FAILED,
        st.BAD_PLAINTEXT,
        st.METHOD_NOT_ALLOWED,
        st.UNSUPPORTED_MEDIA_TYPE,
        st.ACCOUNT_DISABLED,
        st.NOT_FOUND,
        st.WRONG_CIPHERTEXT_ORDER,
    )
)


@dataclass(frozen=True, slots=True)
class ApplicationParty:
    """One of the region's application systems, as the envelope view needs it."""

    account_id: str
    public_key: sm2.PublicKey
    is_active: bool
    application: Application


class RelayedAnswer(Exception):
    """The hub's non-zero outcome, answered to the application as the hub gave it."""

    def __init__(self, status: st.Status, message: str, data: dict[str, Any] | None) -> None:
        self.status = status
        self.message = message
        self.data = data
        super().__init__(f"{status.code} {message}")


# ---------------------------------------------------------------- the hub
_client_lock = threading.Lock()
_client: EnvelopeClient | None = None


def hub_client() -> EnvelopeClient:
    """One long-lived client per process: the region's account and key pair, kept-alive connections."""
    global _client
    with _client_lock:
        if _client is None:
            if not settings.NODE_HUB_URL:
                raise EnvelopeError(st.NOT_IMPLEMENTED, "本节点未配置融合共享服务系统地址 NODE_HUB_URL")
            _client = EnvelopeClient(
                Peer(base_url=settings.NODE_HUB_URL, public_key=hub_public_key(), name="hub"),
                account_id=settings.NODE_ACCOUNT_ID,
                private_key=node_private_key(),
                timeout=settings.NODE_HUB_TIMEOUT,
                recorder=record_call,
            )
        return _client


# ---------------------------------------------------------------- access tokens
def token_digest(token: str) -> str:
    return sm3_hex(token.strip().encode("utf-8"))


def _expiry(text: Any) -> dt.datetime | None:
    """``expiresAt`` of 12.2.1 (``yyyy-MM-dd HH:mm:ss``, Asia/Shanghai); None when unreadable."""
    if not isinstance(text, str):
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except ValueError:
        return None


def keep_token(application: Application, data: dict[str, Any] | None) -> None:
    """Bind the token the hub just issued to the application that applied for it."""
    token = (data or {}).get("accessToken")
    if not isinstance(token, str) or not token.strip():
        return
    RelayedToken.objects.update_or_create(
        token_digest=token_digest(token),
        defaults={"application": application, "expires_at": _expiry((data or {}).get("expiresAt"))},
    )
    # Housekeeping: the application's tokens expired a day ago are of no further use.
    RelayedToken.objects.filter(
        application=application, expires_at__lt=timezone.now() - dt.timedelta(days=1)
    ).delete()


def check_token(application: Application, token: Any) -> None:
    """The hub sees the region on every relayed call; the node checks whose token it is."""
    if not isinstance(token, str) or not token.strip():
        raise EnvelopeError(st.ACCESS_TOKEN_MISSING)
    row = (
        RelayedToken.objects.only("application_id", "expires_at").filter(token_digest=token_digest(token)).first()
    )
    if row is None:
        raise EnvelopeError(st.ACCESS_TOKEN_INVALID, "该令牌不是经本地区系统申领的，请经本地区系统调用可信应用注册接口")
    if row.application_id != application.pk:
        raise EnvelopeError(st.ACCESS_TOKEN_FOREIGN)
    if row.expires_at is not None and row.expires_at <= timezone.now():
        raise EnvelopeError(st.ACCESS_TOKEN_EXPIRED, "请重新调用可信应用注册接口申领")


# ---------------------------------------------------------------- the view
class RelayView(drf.EnvelopeAPIView):
    """One section-12 path of the hub, served at ``<node>/ysj`` for the region's applications."""

    #: The hub's path, relative to its base URL (``/api/v1/...``).
    hub_path: ClassVar[str] = ""
    #: 12.2.1: the call that issues the access token, so it carries none.
    issues_token: ClassVar[bool] = False

    def resolve_party(self, account_id: str) -> ApplicationParty | None:
        application = Application.objects.filter(app_id=account_id).first()
        if application is None:
            return None
        return ApplicationParty(
            account_id=application.app_id,
            public_key=application.sm2_public_key,
            is_active=application.is_active,
            application=application,
        )

    def private_key(self) -> sm2.PrivateKey:
        return node_private_key()

    def record(self, record: CallRecord) -> None:
        record_call(record)

    def _read_body(self, request: Request) -> Any:
        # 12.1.10 carries a whole file: the relay's own limit, not the provider endpoints' small one.
        django_request = request._request
        if not hasattr(django_request, "_body"):
            try:
                length = int(django_request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.NODE_RELAY_MAX_BYTES:
                raise EnvelopeError(st.PAYLOAD_TOO_LARGE)
            django_request._body = django_request.read(settings.NODE_RELAY_MAX_BYTES + 1)
            if len(django_request._body) > settings.NODE_RELAY_MAX_BYTES:
                raise EnvelopeError(st.PAYLOAD_TOO_LARGE)
        return super()._read_body(request)

    def authorize(self, ctx: CallContext) -> None:
        application = ctx.party.application
        app_id = ctx.params.get("appId")
        if app_id is not None and app_id != application.app_id:
            raise EnvelopeError(st.APP_ID_MISMATCH)
        if not self.issues_token:
            check_token(application, ctx.head.get("accessToken"))

    def hub_params(self, ctx: CallContext) -> dict[str, Any]:
        """The application's parameters as the hub must read them (by default unchanged)."""
        return ctx.params

    def handle(self, ctx: CallContext) -> dict[str, Any]:
        head = {} if self.issues_token else {"accessToken": ctx.head["accessToken"]}
        try:
            opened = hub_client().call(
                self.hub_path, self.hub_params(ctx), head=head or None, check=False, request_id=ctx.request_id
            )
        except TransportError as exc:
            logger.warning("relay %s: hub unreachable: %s", self.hub_path, exc)
            raise EnvelopeError(st.INTERNAL_ERROR, "融合共享服务系统暂时无法访问") from exc
        except ProtocolError as exc:
            logger.warning("relay %s: %s", self.hub_path, exc)
            raise EnvelopeError(st.INTERNAL_ERROR, "融合共享服务系统的应答无法读取") from exc
        if opened.status in HUB_ENVELOPE_FAULTS:
            logger.error("relay %s: the hub refused the region's envelope: %s %s", self.hub_path, opened.status, opened.message)
            raise EnvelopeError(st.INTERNAL_ERROR, f"融合共享服务系统拒绝了本地区系统的请求（{opened.status}）")
        if not opened.ok:
            status = st.lookup(opened.status) or st.Status(opened.status, 502, opened.message)
            raise RelayedAnswer(status, opened.message or status.message, opened.data)
        if self.issues_token:
            keep_token(ctx.party.application, opened.data)
        return opened.data if opened.data is not None else {}

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, RelayedAnswer):
            return self.answer(exc.status, exc.data, message=exc.message)
        return super().handle_exception(exc)


class HolderTokenRelayView(RelayView):
    """12.2.3: an identity number encrypted to the region (the application's provider) is re-encrypted to the hub."""

    def hub_params(self, ctx: CallContext) -> dict[str, Any]:
        params = ctx.params
        id_no = params.get("idNo")
        if not isinstance(id_no, str) or len(id_no.strip()) <= 18:
            return params
        try:
            plain, der = sm2.decrypt_any(node_private_key(), bytes.fromhex(id_no.strip()))
        except (CryptoError, ValueError):  # not to us: perhaps to the hub itself, which reads it
            return params
        return {**params, "idNo": encrypt_text(hub_public_key(), plain, der=der)}
