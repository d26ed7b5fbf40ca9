"""The home page and the charts page put together: figures from the services, links the user may open."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.safestring import SafeString

from . import charts, links, metrics, services

#: The notifications inbox's unread count appears on the home page once that app is installed.
NOTIFICATIONS_APP = "notifications"


@dataclass(slots=True)
class RegionRow:
    status: services.RegionStatus
    undelivered_url: str | None
    failed_url: str | None
    calls_url: str | None
    failed_calls_url: str | None


@dataclass(slots=True)
class HomePage:
    figures: services.HomeFigures
    waiting_url: str | None = None
    rejected_url: str | None = None
    regions: list[RegionRow] = field(default_factory=list)
    unwitnessed_url: str | None = None
    unread: int | None = None
    inbox_url: str | None = None


def home_page(request: HttpRequest) -> HomePage:
    figures = services.home_figures(user=request.user)
    region = figures.region
    since = figures.now - services.HEALTH_WINDOW
    page = HomePage(
        figures=figures,
        waiting_url=links.waiting(request, region) if figures.waiting is not None else None,
        rejected_url=links.rejected(request, region) if figures.rejected is not None else None,
        regions=[
            RegionRow(
                status=status,
                undelivered_url=links.undelivered(request, status.region),
                failed_url=links.failed_deliveries(request, status.region),
                calls_url=links.calls(request, status.region, since=since),
                failed_calls_url=links.calls(request, status.region, since=since, failed=True),
            )
            for status in figures.regions
        ],
    )
    if figures.unwitnessed is not None:
        page.unwitnessed_url = links.unwitnessed_checkpoints(request)
    if apps.is_installed(NOTIFICATIONS_APP):
        from notifications.services import request_unread_count

        page.unread = request_unread_count(request)  # counted once with the header's badge
        page.inbox_url = links.unread_notifications(request)
    return page


@dataclass(slots=True)
class RefusalRow:
    refusal: metrics.Refusal
    url: str | None


@dataclass(slots=True)
class ChartsPage:
    figures: services.ChartFigures
    calls_chart: SafeString
    latency_chart: SafeString
    refusals_chart: SafeString
    refusals: list[RefusalRow]


def charts_page(request: HttpRequest) -> ChartsPage:
    if not services.sees_regions(request.user, services.region_of(request.user)):
        raise PermissionDenied
    figures = services.chart_figures(user=request.user)
    return ChartsPage(
        figures=figures,
        calls_chart=charts.hourly_lines(
            figures.hours, [(r.name, values) for r, values in figures.calls], label="各地区每小时调用次数"
        ),
        latency_chart=charts.grouped_bars(
            [(r.name, values) for r, values in figures.percentiles],
            keys=metrics.PERCENTILES,
            label="各地区调用耗时分位数",
        ),
        refusals_chart=charts.horizontal_bars(
            [(f"{r.status_code} {r.meaning}", r.calls) for r in figures.refusals], label="按原因统计的拒绝"
        ),
        refusals=[
            # The call list scopes a region administrator's rows as the figures do (ysj_portal.audit).
            RefusalRow(r, links.refusals(request, r.status_code, since=figures.since))
            for r in figures.refusals
        ],
    )
