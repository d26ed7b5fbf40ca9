"""The page answered to a locked-out admin login (django-axes calls ``lockout_response``)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

TEMPLATE = "security/login_locked.html"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """HTTP 429 with the wait in minutes: the user learns when to retry, and whom to ask meanwhile."""
    cooloff = settings.AXES_COOLOFF_TIME
    minutes = math.ceil(cooloff.total_seconds() / 60) if cooloff else None
    context = {
        "title": "账户已暂时锁定",
        "username": (credentials or {}).get("username") or request.POST.get("username", ""),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "minutes": minutes,
    }
    response = TemplateResponse(request, TEMPLATE, context, status=429)
    response["Cache-Control"] = "no-store"
    return response.render()
