"""Readiness of a regional node: what a load balancer in front of it acts on.

``/healthz`` (liveness and identity) is in ``exchange.api.views``; ``/readyz`` adds the
database, the applied migrations and the keys: the node's own, which every answer needs, and the
hub's public key, which every publication and grant is checked with.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ysj_protocol.contrib.observability import health_answer

_migrated = False


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "nodeKey": _key("node_private_key"), "hubKey": _key("hub_public_key")}
    if checks["database"]["ok"]:
        checks["migrations"] = _migrations()
    return health_answer(checks, extra={"service": "node", "region": settings.NODE_REGION})


def _database() -> dict[str, Any]:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; say which
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connections["default"].vendor}


def _migrations() -> dict[str, Any]:
    global _migrated
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connections["default"])
            unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # an unreadable migration table: not ready, say why
            return {"ok": False, "error": type(exc).__name__}
        if unapplied:
            return {"ok": False, "unapplied": len(unapplied)}
        _migrated = True
    return {"ok": True}


def _key(name: str) -> dict[str, Any]:
    from . import keys

    try:
        getattr(keys, name)()
    except Exception as exc:  # a missing or unreadable key: every call would fail
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}
