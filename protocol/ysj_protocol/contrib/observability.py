"""Request IDs on every log line, JSON logs and health answers, for the hub and the nodes alike.

A call is followed from the application to the hub, to every region and back by its
``X-Request-ID``: the middleware takes the caller's (or makes one), puts it where the envelope
view and the outgoing calls read it, and a context variable hands it to every log line written
while the request is served, whatever the logger.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse, JsonResponse

from ..client import REQUEST_ID_HEADER

#: The request ID of the request being served in this thread or task ("-" outside one).
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("ysj_request_id", default="-")

# What a caller may send as its request ID: a token, short enough for a log column. Anything else
# (spaces, quotes, a line break that would forge a log line) is replaced by one of ours.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_META_KEY = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")


def current_request_id() -> str:
    """The request ID being served in this thread or task, or "" outside one (work to name otherwise)."""
    value = request_id_var.get()
    return "" if value == "-" else value


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(value: str | None) -> str:
    """The caller's request ID if it is a plain token, else a new one."""
    if value and _VALID_REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


class RequestIDMiddleware:
    """Give every request one request ID, seen by the views, the log lines and the answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accepted_request_id(request.META.get(_META_KEY))
        request.META[_META_KEY] = request_id
        request.request_id = request_id  # type: ignore[attr-defined]
        # Kept until the response is closed (``request_finished``): Django logs an answer's status
        # after the middleware chain has returned, and that line belongs to the call too.
        request_id_var.set(request_id)
        response = self.get_response(request)
        if REQUEST_ID_HEADER not in response:
            response[REQUEST_ID_HEADER] = request_id
        return response


def _forget_request_id(**kwargs: Any) -> None:
    request_id_var.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="ysj_forget_request_id")


class RequestIDFilter(logging.Filter):
    """Adds ``request_id`` to every record (the one being served, or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def logging_config(
    *,
    level: str,
    json_lines: bool,
    filters: Mapping[str, dict[str, Any]] | None = None,
    static_fields: Mapping[str, str] | None = None,
    plain_prefix: str = "",
) -> dict[str, Any]:
    """A ``LOGGING`` dict: one line per event, JSON or plain, each with its request ID.

    ``filters`` run before the request-ID filter on the one console handler (the hub's identity
    number mask, say); ``static_fields`` are added to every JSON line (which service wrote it).
    """
    all_filters: dict[str, dict[str, Any]] = {**(filters or {}), "request_id": {"()": RequestIDFilter}}
    formatter: dict[str, Any]
    if json_lines:
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "static_fields": dict(static_fields or {}),
            "timestamp": "time",  # ISO 8601 in UTC, to the microsecond
            "json_ensure_ascii": False,
        }
    else:
        formatter = {"format": f"%(asctime)s %(levelname)s {plain_prefix}%(name)s [%(request_id)s] %(message)s"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "filters": all_filters,
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "main", "filters": list(all_filters)},
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers write through the same handler, not its default plain console.
        "loggers": {
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
            "django.db.backends": {"level": "INFO"},
        },
    }


def database_check(alias: str = "default") -> dict[str, Any]:
    """The database answers a trivial query; any failure means not ready, named by its type."""
    from django.db import connections

    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # refused, timed out, authentication: not ready
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connections[alias].vendor}


_migrated: set[str] = set()


def migrations_check(alias: str = "default") -> dict[str, Any]:
    """Every migration of this code is applied: a new release is not served on the old schema.

    Once true in a process it stays true (migrations are not unapplied under a running server),
    so the migration graph is loaded until then only.
    """
    if alias not in _migrated:
        from django.db import connections
        from django.db.migrations.executor import MigrationExecutor

        try:
            executor = MigrationExecutor(connections[alias])
            unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # an unreadable migration table: not ready, say why
            return {"ok": False, "error": type(exc).__name__}
        if unapplied:
            return {"ok": False, "unapplied": len(unapplied)}
        _migrated.add(alias)
    return {"ok": True}


def health_answer(checks: Mapping[str, Mapping[str, Any]], *, extra: Mapping[str, Any] | None = None) -> JsonResponse:
    """200 when every check is ``ok``, else 503: the status a load balancer acts on."""
    ready = all(check.get("ok") for check in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks, **(extra or {})}
    return JsonResponse(body, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False})
