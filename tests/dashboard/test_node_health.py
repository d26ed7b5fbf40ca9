"""The regional nodes' health over the last hour, from the hub's records of the calls it made to them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from dashboard.services import Light

from ..factories import all_regions
from ..scenarios.factories import four_admins
from .factories import call, superuser

pytestmark = pytest.mark.django_db


def status_of(user, code: str) -> services.RegionStatus:
    return next(s for s in services.home_figures(user=user).regions if s.region.code == code)


def test_calls_under_both_account_ids_count_for_the_region():
    admins = four_admins()
    now = timezone.now()
    # The fused search records calls under the region's code, the deliveries under its account id.
    for latency in range(1, 101):  # 1..100 ms: p50 = 50, p95 = 95 by nearest rank
        call(
            to="SH" if latency % 2 else "region-sh", latency_ms=float(latency), at=now - timedelta(minutes=5)
        )
    call(to="SH", error="timeout", latency_ms=3000.0, at=now - timedelta(minutes=10))
    call(to="SH", latency_ms=1.0, at=now - timedelta(hours=2))  # outside the window
    call(to="ZJ", latency_ms=500.0, at=now - timedelta(minutes=1))
    sh = status_of(admins["SH"], "SH")
    assert (sh.calls.total, sh.calls.failed) == (101, 1)
    assert sh.calls.percentiles == {50: 50.0, 95: 95.0}
    assert sh.health_light == Light.GREEN  # 1 failure in 101
    assert sh.last_success is not None and now - sh.last_success < timedelta(minutes=6)
    zj = status_of(admins["ZJ"], "ZJ")
    assert (zj.calls.total, zj.calls.percentiles) == (1, {50: 500.0, 95: 500.0})


def test_a_failing_node_is_red_and_keeps_its_last_success():
    admins = four_admins()
    now = timezone.now()
    call(to="region-js", at=now - timedelta(hours=5))
    for _ in range(3):
        call(to="JS", error="ConnectError", at=now - timedelta(minutes=3))
    js = status_of(admins["JS"], "JS")
    assert (js.calls.total, js.calls.failed, js.calls.error_rate) == (3, 3, 1.0)
    assert js.calls.percentiles == {}  # no answer in the window: no latency to show
    assert js.health_light == Light.RED
    assert timedelta(hours=4) < now - js.last_success < timedelta(hours=6)


def test_a_node_without_calls_is_grey_and_served_calls_do_not_count():
    four_admins()
    all_regions()
    call(served_for="region-ah", at=timezone.now())  # the region calling the hub: not a call to its node
    ah = status_of(superuser(), "AH")
    assert (ah.calls.total, ah.last_success, ah.health_light) == (0, None, Light.GREY)


@pytest.mark.parametrize(
    ("failed", "total", "light"), [(0, 10, Light.GREEN), (1, 10, Light.AMBER), (3, 10, Light.RED)]
)
def test_error_rate_thresholds(failed, total, light):
    from dashboard.metrics import CallFigures

    assert services.health_light(CallFigures(total=total, failed=failed)) == light


def test_the_last_success_is_looked_for_within_seven_days():
    admins = four_admins()
    now = timezone.now()
    call(to="AH", at=now - services.LAST_SUCCESS_HORIZON - timedelta(hours=1))
    assert status_of(admins["AH"], "AH").last_success is None
    call(to="region-ah", at=now - services.LAST_SUCCESS_HORIZON + timedelta(hours=1))
    assert status_of(admins["AH"], "AH").last_success is not None
