"""The governance portal's home page (in place of Django's app index) and its charts."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from . import pages


def home(request: HttpRequest) -> HttpResponse:
    """The admin index, with what is the administrator's to do above the list of every function."""
    return admin.site.index(request, extra_context={"home": pages.home_page(request)})


def charts(request: HttpRequest) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": "运行图表", "page": pages.charts_page(request)}
    return TemplateResponse(request, "dashboard/charts.html", context)
