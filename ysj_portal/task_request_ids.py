"""A task queued while a request is served carries its request ID into the worker.

The ID of the call or admin action that queued a task travels in the task message's headers; the
worker sets it as the current request ID for the task's duration, so every log line the task
writes, and every call it makes to a region (``X-Request-ID``), names the request it belongs to.
A task queued outside a request (beat, the outbox's sender thread) carries none; inline tasks run
in the queuing thread, whose request ID they already see.
"""

from __future__ import annotations

import contextvars
from typing import Any

from celery.signals import before_task_publish, task_postrun, task_prerun

from ysj_protocol.contrib.observability import accepted_request_id, current_request_id, request_id_var

#: The task message header carrying the request ID.
HEADER = "ysj_request_id"

_NONE = "-"
_RESET_ATTR = "_ysj_request_id_token"


def _add_header(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current_request_id()
    if request_id and headers is not None and HEADER not in headers:
        headers[HEADER] = request_id


def _enter(task: Any = None, **kwargs: Any) -> None:
    if task is None:
        return
    request = task.request
    value = request.get(HEADER) or (request.headers or {}).get(HEADER)
    if not value:
        return  # queued outside a request, or inline in the thread that already has its ID
    # A header is input like any other: a worker's log line is never forged by one.
    token = request_id_var.set(accepted_request_id(str(value)))
    setattr(request, _RESET_ATTR, token)


def _leave(task: Any = None, **kwargs: Any) -> None:
    if task is None:
        return
    token: contextvars.Token[str] | None = getattr(task.request, _RESET_ATTR, None)
    if token is None:
        return
    delattr(task.request, _RESET_ATTR)
    try:
        request_id_var.reset(token)
    except ValueError:  # set in another context (cannot happen with Celery's pools): forget it
        request_id_var.set(_NONE)


def connect() -> None:
    """Connect the signals (idempotent: each has a dispatch uid)."""
    before_task_publish.connect(_add_header, weak=False, dispatch_uid="ysj_task_request_id_header")
    task_prerun.connect(_enter, weak=False, dispatch_uid="ysj_task_request_id_enter")
    task_postrun.connect(_leave, weak=False, dispatch_uid="ysj_task_request_id_leave")
