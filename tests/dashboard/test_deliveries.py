"""Publications not delivered, per region: count, age of the oldest, last error, colour by age."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import DeliveryState
from dashboard import services
from dashboard.services import Light

from ..factories import all_regions
from ..scenarios.factories import four_admins
from .factories import delivery, superuser

pytestmark = pytest.mark.django_db


def by_code(figures: services.HomeFigures) -> dict[str, services.RegionStatus]:
    return {status.region.code: status for status in figures.regions}


def test_a_region_administrator_sees_their_region_only():
    admins = four_admins()
    regions = {r.code: r for r in all_regions()}
    delivery(regions["SH"], age=timedelta(minutes=30), error="连接被拒绝")
    delivery(regions["SH"], age=timedelta(minutes=2))
    delivery(regions["SH"], state=DeliveryState.DELIVERED, age=timedelta(days=2))
    delivery(regions["ZJ"], state=DeliveryState.FAILED, age=timedelta(hours=3), error="HTTP 500")
    sh = by_code(services.home_figures(user=admins["SH"]))
    assert list(sh) == ["SH"]
    assert (sh["SH"].undelivered, sh["SH"].failed, sh["SH"].last_error) == (2, 0, "连接被拒绝")
    assert timedelta(minutes=29) < sh["SH"].oldest_age < timedelta(minutes=31)
    assert sh["SH"].delivery_light == Light.AMBER
    zj = by_code(services.home_figures(user=admins["ZJ"]))
    assert (zj["ZJ"].undelivered, zj["ZJ"].failed, zj["ZJ"].delivery_light) == (1, 1, Light.RED)


def test_a_superuser_sees_every_region_in_the_table_order():
    four_admins()
    regions = {r.code: r for r in all_regions()}
    delivery(regions["AH"], age=timedelta(minutes=1))
    figures = by_code(services.home_figures(user=superuser()))
    assert list(figures) == ["SH", "JS", "ZJ", "AH"]
    assert figures["AH"].undelivered == 1 and figures["AH"].delivery_light == Light.GREEN
    assert figures["SH"].undelivered == 0 and figures["SH"].oldest_age is None


@pytest.mark.parametrize(
    ("undelivered", "failed", "age", "light"),
    [
        (0, 0, None, Light.GREEN),
        (1, 0, timedelta(minutes=5), Light.GREEN),
        (1, 0, timedelta(minutes=15), Light.AMBER),
        (1, 0, timedelta(hours=2), Light.RED),
        (1, 1, timedelta(minutes=1), Light.RED),
    ],
)
def test_colour_by_age(undelivered, failed, age, light):
    now = timezone.now()
    oldest = now - age if age is not None else None
    assert services.delivery_light(undelivered=undelivered, failed=failed, oldest=oldest, now=now) == light
