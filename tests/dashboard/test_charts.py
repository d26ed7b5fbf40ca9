"""The charts' figures (calls per region per hour, latency percentiles, refusals by reason) and their SVG."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import charts, metrics, services
from ysj_protocol import status as st

from ..factories import ApplicationFactory, all_regions
from ..scenarios.factories import four_admins
from .factories import call, superuser

pytestmark = pytest.mark.django_db


def test_calls_per_region_per_hour_over_the_last_24_hours():
    admins = four_admins()
    now = timezone.now()
    call(to="SH", at=now)
    call(to="region-sh", at=now)
    call(to="SH", at=now - timedelta(hours=3))
    call(to="ZJ", at=now - timedelta(hours=1))
    call(to="SH", at=now - timedelta(hours=30))  # outside the window
    figures = services.chart_figures(user=superuser(), now=now)
    assert len(figures.hours) == 24 and figures.hours[-1] <= now < figures.hours[-1] + timedelta(hours=1)
    series = {region.code: values for region, values in figures.calls}
    assert list(series) == ["SH", "JS", "ZJ", "AH"]
    assert series["SH"][-1] == 2 and series["SH"][-4] == 1 and sum(series["SH"]) == 3
    assert sum(series["ZJ"]) == 1 and sum(series["JS"]) == 0
    assert [r.code for r, _ in services.chart_figures(user=admins["ZJ"], now=now).calls] == ["ZJ"]


def test_latency_percentiles_by_nearest_rank():
    all_regions()
    now = timezone.now()
    for latency in range(1, 201):  # 1..200 ms
        call(to="JS", latency_ms=float(latency), at=now - timedelta(minutes=latency % 60))
    call(to="JS", latency_ms=99999.0, error="timeout", at=now)  # no answer: not a latency
    call(to="AH", latency_ms=7.0, at=now)
    percentiles = metrics.latency_percentiles(all_regions(), since=now - timedelta(hours=2))
    assert percentiles["JS"] == {50: 100.0, 95: 190.0, 99: 198.0}
    assert percentiles["AH"] == {50: 7.0, 95: 7.0, 99: 7.0}
    assert "SH" not in percentiles


def test_refusals_by_reason_with_their_meaning_scoped_to_the_region():
    admins = four_admins()
    sh_app = ApplicationFactory(app_id="app-sh-1", region=all_regions()[0])
    zj_app = ApplicationFactory(app_id="app-zj-1", region=all_regions()[2])
    now = timezone.now()
    for _ in range(3):
        call(served_for=sh_app.app_id, status_code=st.UNKNOWN_ACCOUNT.code, at=now)
    call(served_for=zj_app.app_id, status_code=st.UNKNOWN_ACCOUNT.code, at=now)
    call(served_for=zj_app.app_id, status_code=st.DECRYPTION_FAILED.code, at=now)
    call(served_for=zj_app.app_id, status_code=st.OK.code, at=now)
    call(served_for="someone", status_code="7777", at=now)
    everything = metrics.refusals_by_reason(since=now - timedelta(hours=1))
    assert [(r.status_code, r.calls) for r in everything] == [("1003", 4), ("1005", 1), ("7777", 1)]
    assert everything[0].meaning == st.UNKNOWN_ACCOUNT.message
    assert everything[2].meaning == "未登记的状态码"
    zj = services.chart_figures(user=admins["ZJ"], now=now).refusals
    assert [(r.status_code, r.calls) for r in zj] == [("1003", 1), ("1005", 1)]


def test_the_svg_charts_carry_every_figure_and_escape_names():
    now = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    hours = [now - timedelta(hours=23 - i) for i in range(24)]
    lines = charts.hourly_lines(hours, [("上海市", list(range(24))), ("<b>", [0] * 24)], label="调用")
    assert (
        lines.count("<circle") == 48
        and "<title>上海市" in lines
        and "&lt;b&gt;" in lines
        and "<b>" not in lines
    )
    bars = charts.grouped_bars([("江苏省", {50: 12.5, 95: 80.0, 99: 120.0})], keys=(50, 95, 99), label="耗时")
    assert bars.count("<rect") == 3 + 3  # three bars, three legend keys
    assert "江苏省 p99：120 ms" in bars
    refusals = charts.horizontal_bars([("1003 调用方账号未登记", 4)], label="拒绝")
    assert "1003 调用方账号未登记：4 次" in refusals
    assert charts.horizontal_bars([], label="拒绝").count("无") == 1
