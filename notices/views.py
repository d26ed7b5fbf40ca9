"""The holder page: a holder presents a service code and reads their notices (8.4).

GET shows the form; POST (CSRF-protected) decodes the code and lists the notices. Nothing of the
holder is in the URL, and nothing of the code or the holder is logged. No JavaScript, no assets
from elsewhere: the page is one small HTML document that works on a phone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from trust.services import client_ip

from . import page
from .forms import ServiceCodeForm

logger = logging.getLogger(__name__)

TEMPLATE = "notices/holder_notices.html"


def _render(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, TEMPLATE, {**context, "contact": settings.YSJ_NOTICE_CONTACT}, status=status)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def holder_notices(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        # Said in Chinese to the holder (Django's own answer is an empty page).
        return HttpResponseNotAllowed(
            ["GET", "POST"], "本页面仅支持 GET 与 POST 方法。\n", content_type="text/plain; charset=utf-8"
        )
    if request.method == "GET":
        return _render(request, {"form": ServiceCodeForm()})
    form = ServiceCodeForm(request.POST)
    try:
        page.take_attempt(client_ip(request) or "")
        if not form.is_valid():
            return _render(request, {"form": form}, status=400)
        shown = page.open_notices(code_text=form.cleaned_data["code"])
    except page.Refused as refused:
        logger.info("holder page refused a service code: %s", refused.reason)
        return _render(request, {"form": ServiceCodeForm(), "error": refused.message}, status=refused.http_status)
    return _render(request, {"form": ServiceCodeForm(), "shown": shown})
