"""Liveness and readiness of a hub process, as a load balancer and an operator read them.

``/healthz`` says the process answers; it touches nothing else, so a slow database never makes a
balancer kill healthy processes. ``/readyz`` says whether this process can serve calls now: the
database, the broker (or the inline mode), the hub's key. The regions' last successful contact
and breaker state are reported beside it but do not decide it: a region down is answered as
``unavailableRegions`` (12.1.5), not by taking the hub out of service.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from ysj_protocol.contrib.methods import require_methods
from ysj_protocol.contrib.observability import database_check, health_answer, migrations_check


@require_methods("GET")
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", "service": "hub"})


@require_methods("GET")
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_check(), "broker": broker_check(), "hubKey": hub_key_check()}
    extra: dict[str, Any] = {"service": "hub"}
    if checks["database"]["ok"]:
        checks["migrations"] = migrations_check()
    if checks["database"]["ok"] and checks["migrations"]["ok"]:
        extra["regions"] = region_states()
        evidence = evidence_state()
        if evidence is not None:
            extra["evidence"] = evidence
    return health_answer(checks, extra=extra)


def broker_check() -> dict[str, Any]:
    """The broker answers a connection within its short timeout; inline mode has none to check."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return {"ok": True, "mode": "inline"}
    from kombu import Connection

    url = getattr(settings, "CELERY_BROKER_URL", "")
    if not url:
        return {"ok": False, "mode": "broker", "error": "CELERY_BROKER_URL 未设置"}
    timeout = settings.CELERY_BROKER_CONNECTION_TIMEOUT
    try:
        with Connection(url, connect_timeout=timeout, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # refused, timed out, bad credentials: not ready
        return {"ok": False, "mode": "broker", "error": type(exc).__name__}
    return {"ok": True, "mode": "broker"}


def hub_key_check() -> dict[str, Any]:
    from trust.keys import hub_private_key

    try:
        hub_private_key()
    except Exception as exc:  # a missing or unreadable key file: every call would fail
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def region_states() -> dict[str, dict[str, Any]]:
    """Per active region: the last call the hub made to it that was answered "0", and its breaker.

    The hub's calls to a region are recorded under its code (searches, downloads) or its account
    (publications): both count (``dashboard.metrics.region_accounts``).
    """
    from dashboard.metrics import region_accounts
    from sharing.regions import clients
    from trust.models import EnvelopeCall, Region

    regions = list(Region.objects.filter(is_active=True).order_by("code"))
    accounts = {account: region.code for region in regions for account in region_accounts(region)}
    last_ok: dict[str, Any] = {}
    rows = (
        EnvelopeCall.objects.filter(direction="out", status_code="0", account_id__in=list(accounts))
        .values("account_id")
        .annotate(last=Max("created_at"))
        .values_list("account_id", "last")
    )
    for account, last in rows:
        code = accounts[account]
        last_ok[code] = max(last, last_ok[code]) if code in last_ok else last
    now = timezone.now()
    states = {}
    for region in regions:
        last = last_ok.get(region.code)
        breaker = clients.known_breaker(region)
        states[region.code] = {
            "lastSuccess": last.isoformat() if last else None,
            "secondsSinceSuccess": round((now - last).total_seconds(), 1) if last else None,
            "breaker": "open" if breaker is not None and breaker.is_open else "closed",
        }
    return states


def evidence_state() -> dict[str, Any] | None:
    """The evidence log's size, the age of its latest checkpoint and the pending entries set aside as
    unreadable (reported, never deciding readiness: the log goes on without them), once the app is installed.
    """
    from django.apps import apps

    if not apps.is_installed("evidence"):
        return None
    from evidence.models import Checkpoint
    from evidence.services import quarantined_count

    quarantined = quarantined_count()
    latest = Checkpoint.objects.order_by("-size", "-id").only("size", "created_at").first()
    if latest is None:
        return {"size": 0, "checkpointAgeSeconds": None, "quarantined": quarantined}
    return {
        "size": latest.size,
        "checkpointAgeSeconds": round((timezone.now() - latest.created_at).total_seconds(), 1),
        "quarantined": quarantined,
    }
