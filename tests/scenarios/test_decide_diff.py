"""The decide page: the diff since what my region last confirmed, and a decided region's own decision."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from scenarios import services
from scenarios.models import Decision
from trust.models import Region

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import no_delivery
from .factories import PASSWORD, confirm, four_admins, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return four_admins()


@pytest.fixture
def entries():
    return [PublishedEntryFactory(type_name=name, type_code=gb_type_code(n))
            for n, name in ((201, "居民身份证"), (202, "营业执照"), (203, "结婚证"))]


def page_of(client, username: str, scenario) -> str:
    assert client.login(username=username, password=PASSWORD)
    response = client.get(reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk]))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<div[^>]*id="{element_id}".*?</div>', html, re.S)
    assert match, element_id
    return match.group(0)


def edit(scenario, actor, *, reason: str = "调整", **changes):
    scenario.refresh_from_db()
    values = {"name": scenario.name, "entries": list(scenario.entries.all()), "valid_start": scenario.valid_start,
              "valid_end": scenario.valid_end}
    values.update(changes)
    with no_delivery():
        return services.edit_list(scenario, actor=actor, reason=reason, **values)


def test_the_diff_since_the_revision_my_region_confirmed(client, admins, entries):
    identity, licence, marriage = entries
    scenario = propose("D-001", [identity, licence], by="SH", name="跨省通办")
    confirm(scenario, "JS")
    end = scenario.valid_start + timedelta(days=365)
    edit(scenario, admins["ZJ"], name="跨省通办（婚姻）", entries=[identity, marriage], valid_end=end,
         reason="以结婚证替换营业执照")
    diff = section(page_of(client, "admin_js", scenario), "revision-diff")
    assert "第 2 版相对江苏省上次确认的第 1 版的变化" in diff
    assert "<del>跨省通办</del>" in diff and "<ins>跨省通办（婚姻）</ins>" in diff
    assert '<li class="removed">营业执照' in diff and '<li class="added">结婚证' in diff
    assert "<li>居民身份证" in diff  # kept, not highlighted
    assert re.search(r'data-field="失效结束时间">.*?<del>长期有效</del>', diff, re.S)
    assert "浙江省" in diff and "admin_zj" in diff and "以结婚证替换营业执照" in diff  # who edited, and why
    assert 'data-field="有效开始时间">' in diff and 'class="changed" data-field="有效开始时间"' not in diff


def test_a_region_that_never_confirmed_compares_with_the_live_copy(client, admins, entries):
    identity, licence, _ = entries
    scenario = propose("D-002", [identity], by="SH", name="已发布清单")
    with no_delivery():
        confirm(scenario, "SH", "JS", "ZJ", "AH")
    edit(scenario, admins["SH"], entries=[identity, licence], reason="增加营业执照")
    # AH confirmed revision 1, which is the live copy too: both baselines say the same.
    diff = section(page_of(client, "admin_ah", scenario), "revision-diff")
    assert "安徽省上次确认的第 1 版" in diff and '<li class="added">营业执照' in diff
    assert "增加营业执照" in diff


def test_the_first_round_shows_the_content_without_a_diff(client, admins, entries):
    scenario = propose("D-003", entries[:1], by="SH", name="首次登记")
    diff = section(page_of(client, "admin_js", scenario), "revision-diff")
    assert "首次提请确认，无可比较的版本" in diff and "<del>" not in diff and "居民身份证" in diff
    assert "登记" in diff and "admin_sh" in diff


def test_a_region_that_decided_sees_its_decision_not_a_form(client, admins, entries):
    scenario = propose("D-004", entries[:1], by="SH")
    services.decide(scenario, actor=admins["JS"], region=Region.objects.get(code="JS"), revision=1,
                    decision=Decision.CONFIRMED, reason="同意")
    html = page_of(client, "admin_js", scenario)
    assert 'id="decision-form"' not in html
    banner = section(html, "my-decision")
    assert "江苏省已对第 1 版作出决定：确认" in banner and "admin_js" in banner and "同意" in banner
    # The change page offers the decision, not a link to a form that would refuse.
    change = client.get(reverse("admin:scenarios_scenariolist_change", args=[scenario.pk])).content.decode()
    assert 'id="decide-link"' not in change and 'id="decision-link"' in change
    # A second submission (an old tab) shows the decision again, nothing is recorded twice.
    again = client.post(reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk]),
                        {"decision": "rejected", "revision": 1, "reason": "改主意"}, follow=True)
    assert "江苏省已对第 1 版作出决定，不能重复" in again.content.decode()
    assert scenario.confirmations.count() == 1


def test_after_a_rejection_the_message_says_what_happens_next(client, admins, entries):
    scenario = propose("D-005", entries[:1], by="SH")
    assert client.login(username="admin_zj", password=PASSWORD)
    response = client.post(reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk]),
                           {"decision": "rejected", "revision": 1, "reason": "范围过宽"}, follow=True)
    html = response.content.decode()
    assert "已代表浙江省驳回第 1 版。本轮确认已结束，第 1 版不会发布" in html
    assert "需由上海市或其他地区管理员修改清单内容或重新提请确认，届时开启新一轮确认，由四地重新作出决定" in html
    # Others now see that the round is over, not a form.
    other = page_of(client, "admin_ah", scenario)
    assert "第 1 版已被驳回；修改或重新提请确认后再作决定" in other and 'id="decision-form"' not in other
