"""Withdrawal: the reason is required by the server, and the list's pages no longer show current decisions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scenarios.models import ScenarioStatus

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import no_delivery
from .factories import PASSWORD, four_admins, propose, publish_with_four

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    four_admins()
    scenario = propose("W-001", [PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(401))])
    with no_delivery():
        return publish_with_four(scenario)


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_blank_withdrawal_reason_is_refused_by_the_server(client, published, reason):
    assert client.login(username="admin_js", password=PASSWORD)
    # A POST as a script sends it: no browser, no ``required`` attribute.
    answer = client.post(reverse("admin:scenarios_scenariolist_withdraw", args=[published.pk]), {"reason": reason})
    assert answer.status_code == 200
    assert "请填写原因（不能为空或只含空格）" in answer.content.decode()
    published.refresh_from_db()
    assert published.status == ScenarioStatus.PUBLISHED
    assert not published.events.filter(kind="withdrawn").exists()


def test_after_a_withdrawal_the_pages_show_who_withdrew_and_no_current_ticks(client, published):
    assert client.login(username="admin_zj", password=PASSWORD)
    with no_delivery():
        client.post(reverse("admin:scenarios_scenariolist_withdraw", args=[published.pk]), {"reason": "事项已调整"})
    published.refresh_from_db()
    assert published.status == ScenarioStatus.WITHDRAWN
    change = client.get(reverse("admin:scenarios_scenariolist_change", args=[published.pk])).content.decode()
    banner_at = change.index('id="withdrawal-banner"')
    assert banner_at < change.index('id="region-states"')  # at the top, before the decisions
    banner = change[banner_at:change.index("</div>", banner_at)]
    assert "本清单已撤回" in banner and "浙江省 admin_zj" in banner and "事项已调整" in banner
    assert "（已不再生效" in change and "确认（已失效）" in change
    listing = client.get(reverse("admin:scenarios_scenariolist_changelist")).content.decode()
    row = listing[listing.index("W-001"):]
    row = row[:row.index("</tr>")]
    assert "✔" not in row and "○" in row and "（已撤回）" in row and "已不再生效" in row
