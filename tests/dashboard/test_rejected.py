"""Lists my region registered that another region rejected."""

from __future__ import annotations

import pytest

from dashboard import services
from scenarios.models import Decision
from scenarios.services import decide
from trust.models import Region

from ..scenarios.factories import four_admins
from .factories import proposed, superuser

pytestmark = pytest.mark.django_db


def reject(scenario, code: str, admins, reason: str = "关联证照目录不全"):
    decide(
        scenario,
        actor=admins[code],
        region=Region.objects.get(code=code),
        revision=scenario.revision,
        decision=Decision.REJECTED,
        reason=reason,
    )


def test_the_registering_region_sees_who_rejected_and_why():
    admins = four_admins()
    reject(proposed("R-SH", by="SH"), "ZJ", admins, reason="本地区暂无此办事场景")
    reject(proposed("R-JS", by="JS"), "AH", admins)
    sh = services.home_figures(user=admins["SH"]).rejected
    assert sh.count == 1
    row = sh.rows[0]
    assert (row.scenario.code, row.rejected_by, row.reason) == ("R-SH", "浙江省", "本地区暂无此办事场景")
    assert row.rejected_at is not None
    # ZJ rejected it but did not register it: not ZJ's to act on.
    assert services.home_figures(user=admins["ZJ"]).rejected.count == 0
    assert [r.scenario.code for r in services.home_figures(user=admins["JS"]).rejected.rows] == ["R-JS"]


def test_a_superuser_sees_every_rejected_list():
    admins = four_admins()
    reject(proposed("R-1", by="SH"), "ZJ", admins)
    reject(proposed("R-2", by="JS"), "AH", admins)
    proposed("PENDING", by="AH")
    figures = services.home_figures(user=superuser())
    assert figures.rejected.count == 2
    assert {r.scenario.code for r in figures.rejected.rows} == {"R-1", "R-2"}
