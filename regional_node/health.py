"""Readiness of a regional node: what a load balancer in front of it acts on.

``/healthz`` (liveness and identity) is in ``exchange.api.views``; ``/readyz`` adds the
database, the applied migrations and the keys: the node's own, which every answer needs, and the
hub's public key, which every publication and grant is checked with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from ysj_protocol.contrib.methods import require_methods
from ysj_protocol.contrib.observability import database_check, health_answer, migrations_check


@require_methods("GET")
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_check(), "nodeKey": _key("node_private_key"), "hubKey": _key("hub_public_key")}
    if checks["database"]["ok"]:
        checks["migrations"] = migrations_check()
    return health_answer(checks, extra={"service": "node", "region": settings.NODE_REGION})


def _key(name: str) -> dict[str, Any]:
    from . import keys

    try:
        getattr(keys, name)()
    except Exception as exc:  # a missing or unreadable key: every call would fail
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}
