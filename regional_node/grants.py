"""The node's trust proxy: every provider call is answered only under a grant it can check (10.1 d, 10.2 b).

The grant (``ysj_protocol.grants``) is signed by the trust service (``NODE_TRUST_PUBLIC_KEY``, by
default the hub's key, since the trust service runs in the hub), lives at most 60 s, is for this
region and this call, and names the application, scenario list, bizNum, certificate types, and
the holder or certificate the call is about. A nonce is accepted once: the seen nonces are rows of
the node's database with a unique index, so every process of the node refuses a replay; rows are
purged once their grant has expired.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction

from ysj_protocol import grants
from ysj_protocol import status as st
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.envelope import EnvelopeError

from . import statements

#: How often (seconds) a process deletes the nonces of expired grants.
PURGE_SECONDS = 30.0
_purge_lock = threading.Lock()
_last_purge = 0.0


@lru_cache(maxsize=1)
def _trust_key(public_hex: str) -> sm2.PublicKey:
    if not public_hex:
        raise ImproperlyConfigured("未配置共享可信服务公钥 NODE_TRUST_PUBLIC_KEY（或 NODE_HUB_PUBLIC_KEY）")
    try:
        return sm2.PublicKey.from_hex(public_hex)
    except CryptoError as exc:
        raise ImproperlyConfigured(f"共享可信服务公钥 NODE_TRUST_PUBLIC_KEY 无效：{exc}") from exc


def trust_public_key() -> sm2.PublicKey:
    return _trust_key(settings.NODE_TRUST_PUBLIC_KEY or settings.NODE_HUB_PUBLIC_KEY)


def refuse(exc: grants.GrantRefused) -> EnvelopeError:
    return EnvelopeError(exc.status, exc.detail or None)


def check_call(call: str, params: dict[str, Any], *, now: float | None = None) -> grants.CheckedGrant:
    """The checked grant of a provider call, or the refusal (2041-2045) of the first check that fails.

    Everything the parameters ask is checked against the grant here; what only the certificate
    tells (its type, its holder) is checked by ``require_certificate``. The nonce is spent last.
    """
    moment = time.time() if now is None else now
    try:
        grant = grants.check(params.get("grant"), trust_public_key(), region=settings.NODE_REGION, call=call, now=moment)
        grant.allows_audit(params.get("audit"))
        if call == "search":
            grant.allows_types(params["certificateTypeCodes"])
            holder = params["holder"]
            if not grant.names_holder(holder["codeType"], holder["code"]):
                raise grants.GrantRefused(st.GRANT_EXCEEDED, "检索的持证主体与凭证不符")
        else:
            ref = params.get("certificateRef") or ""
            if grant.certificate_ref != ref:
                raise grants.GrantRefused(st.GRANT_EXCEEDED, "请求的证照与凭证不符")
            if call == "status" and params.get("certificateTypeCode"):
                grant.allows_types([params["certificateTypeCode"]])
    except grants.GrantRefused as exc:
        raise refuse(exc) from None
    spend(grant, moment)
    return grant


def require_certificate(grant: grants.CheckedGrant, certificate: Any) -> None:
    """The certificate asked about is within the grant: its type, and its holder when the grant names one."""
    from .certificates.services import shared_code

    try:
        grant.allows_certificate(certificate.type_code, shared_code(certificate))
        if grant.holder and not grant.names_holder(certificate.holder.code_type, certificate.holder.code):
            raise grants.GrantRefused(st.GRANT_EXCEEDED, "证照的持证主体与凭证不符")
    except grants.GrantRefused as exc:
        raise refuse(exc) from None


def spend(grant: grants.CheckedGrant, now: float) -> None:
    """Accept the grant's nonce once across the node's processes; 2044 when it was seen already."""
    from .exchange.models import SeenGrant

    expires = dt.datetime.fromtimestamp(grant.expires_at + grants.CLOCK_SKEW, tz=dt.UTC)
    try:
        # Outside a transaction the insert commits on its own (autocommit), as the call log does.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            statements.insert([SeenGrant(nonce=grant.nonce, expires_at=expires)])
    except IntegrityError:
        raise EnvelopeError(st.GRANT_REPLAYED) from None
    _purge_now_and_then(now)


def _purge_now_and_then(now: float) -> None:
    global _last_purge
    if now - _last_purge < PURGE_SECONDS or not _purge_lock.acquire(blocking=False):
        return
    try:
        _last_purge = now
        from .exchange.models import SeenGrant

        SeenGrant.objects.filter(expires_at__lt=dt.datetime.fromtimestamp(now, tz=dt.UTC)).delete()
    finally:
        _purge_lock.release()
