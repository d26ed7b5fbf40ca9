"""Lists waiting for my region's decision: the right ones for SH, for ZJ and for a superuser, oldest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard import services
from scenarios.models import Decision
from scenarios.services import decide, edit_list
from trust.models import Region

from ..scenarios.factories import confirm, four_admins
from .factories import proposed, superuser

pytestmark = pytest.mark.django_db


def codes(rows: services.Rows) -> list[str]:
    return [row.scenario.code for row in rows.rows]


def test_a_list_waits_for_every_region_of_its_round_the_registering_one_marked_as_its_own():
    admins = four_admins()
    proposed("L-1", by="SH")
    sh = services.home_figures(user=admins["SH"])
    zj = services.home_figures(user=admins["ZJ"])
    assert sh.waiting.count == 1  # registering is not confirming: SH decides too
    assert sh.waiting.rows[0].own
    assert zj.waiting.count == 1
    assert not zj.waiting.rows[0].own
    assert codes(zj.waiting) == ["L-1"]
    assert zj.waiting.rows[0].undecided == ["上海市", "江苏省", "浙江省", "安徽省"]


def test_a_decided_region_no_longer_waits_and_the_others_still_do():
    admins = four_admins()
    scenario = proposed("L-2", by="SH")
    confirm(scenario, "SH", "ZJ")
    assert services.home_figures(user=admins["SH"]).waiting.count == 0
    assert services.home_figures(user=admins["ZJ"]).waiting.count == 0
    js = services.home_figures(user=admins["JS"])
    assert codes(js.waiting) == ["L-2"]
    assert js.waiting.rows[0].undecided == ["江苏省", "安徽省"]


def test_a_new_revision_waits_again_for_a_region_that_confirmed_the_previous_one():
    admins = four_admins()
    scenario = proposed("L-3", by="SH")
    confirm(scenario, "ZJ")
    assert services.home_figures(user=admins["ZJ"]).waiting.count == 0
    edit_list(
        scenario,
        actor=admins["SH"],
        name="改名后的清单",
        entries=list(scenario.entries.all()),
        valid_start=scenario.valid_start,
        valid_end=None,
        reason="名称调整",
    )
    zj = services.home_figures(user=admins["ZJ"])
    assert codes(zj.waiting) == ["L-3"]
    assert zj.waiting.rows[0].scenario.revision == 2


def test_a_rejected_round_waits_for_nobody():
    admins = four_admins()
    scenario = proposed("L-4", by="SH")
    decide(
        scenario,
        actor=admins["JS"],
        region=Region.objects.get(code="JS"),
        revision=1,
        decision=Decision.REJECTED,
        reason="不适用",
    )
    assert services.home_figures(user=admins["ZJ"]).waiting.count == 0


def test_oldest_first_with_how_long_they_waited():
    admins = four_admins()
    proposed("NEW", age=timedelta(hours=2))
    proposed("OLD", age=timedelta(days=3))
    proposed("MID", age=timedelta(days=1))
    now = timezone.now()
    waiting = services.home_figures(user=admins["AH"], now=now).waiting
    assert codes(waiting) == ["OLD", "MID", "NEW"]
    assert timedelta(days=3) - timedelta(minutes=1) < waiting.rows[0].waited < timedelta(days=3, minutes=1)


def test_rows_are_limited_and_the_count_is_not():
    admins = four_admins()
    for i in range(services.ROWS_SHOWN + 2):
        proposed(f"MANY-{i:02d}")
    waiting = services.home_figures(user=admins["JS"]).waiting
    assert waiting.count == services.ROWS_SHOWN + 2
    assert len(waiting.rows) == services.ROWS_SHOWN


def test_a_superuser_sees_every_open_round():
    four_admins()
    confirm(proposed("A-1", by="SH"), "SH", "JS", "ZJ")
    proposed("A-2", by="ZJ")
    root = superuser()
    figures = services.home_figures(user=root)
    assert figures.all_regions
    assert sorted(codes(figures.waiting)) == ["A-1", "A-2"]
    by_code = {row.scenario.code: row.undecided for row in figures.waiting.rows}
    assert by_code["A-1"] == ["安徽省"]
