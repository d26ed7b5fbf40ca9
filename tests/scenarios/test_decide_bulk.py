"""Confirm selected lists for my region: each bound to the revision shown when it was selected."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from scenarios import services
from scenarios.models import ScenarioConfirmation, ScenarioStatus

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import no_delivery
from .factories import PASSWORD, confirm, four_admins, propose

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:scenarios_scenariolist_changelist")


@pytest.fixture
def admins():
    return four_admins()


@pytest.fixture
def entry():
    return PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(301))


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def select(client, *lists):
    """The changelist's action form, as the browser posts it."""
    return client.post(CHANGELIST, {"action": "confirm_selected", "index": 0,
                                    ACTION_CHECKBOX_NAME: [s.pk for s in lists]})


def test_the_intermediate_page_carries_each_lists_revision(client, admins, entry):
    first, second = propose("B-001", [entry]), propose("B-002", [entry])
    confirm(second, "JS")  # already decided by JS: not offered again
    page = select(login(client, "admin_js"), first, second)
    html = page.content.decode()
    assert page.status_code == 200 and "代表江苏省确认所选用证清单" in html
    assert f'name="revision_{first.pk}" value="1"' in html and f'name="revision_{second.pk}"' not in html
    assert "B-002（清单 B-002）：江苏省已对第 1 版作出决定，不能重复" in html
    assert not ScenarioConfirmation.objects.filter(scenario_list=first).exists()  # nothing decided yet


def test_confirming_binds_each_list_to_its_shown_revision(client, admins, entry):
    first, edited, last = propose("B-011", [entry]), propose("B-012", [entry]), propose("B-013", [entry])
    confirm(last, "SH", "JS", "ZJ")  # JS's confirmation of B-013 will publish it
    login(client, "admin_ah")
    html = select(client, first, edited, last).content.decode()
    assert all(f'name="revision_{s.pk}" value="1"' in html for s in (first, edited, last))
    # Between the intermediate page and the submission, SH edits B-012: revision 2.
    other = PublishedEntryFactory(type_name="营业执照", type_code=gb_type_code(302))
    with no_delivery():
        services.edit_list(edited, actor=admins["SH"], name=edited.name, entries=[entry, other],
                           valid_start=edited.valid_start, valid_end=None, reason="增加营业执照")
        answer = client.post(CHANGELIST, {
            "action": "confirm_selected", "confirmed": "yes",
            ACTION_CHECKBOX_NAME: [first.pk, edited.pk, last.pk],
            f"revision_{first.pk}": 1, f"revision_{edited.pk}": 1, f"revision_{last.pk}": 1,
        }, follow=True)
    html = answer.content.decode()
    assert "已代表安徽省确认：B-011（第 1 版）" in html
    assert "已代表安徽省确认并因各地区均已确认而发布：B-013（第 1 版）" in html
    assert "以下清单未确认：B-012：清单已修改为第 2 版（您审阅的是第 1 版），请重新审阅后再作决定" in html
    decided = ScenarioConfirmation.objects.filter(region__code="AH").values_list("scenario_list__code", "revision")
    assert sorted(decided) == [("B-011", 1), ("B-013", 1)]
    last.refresh_from_db()
    assert last.status == ScenarioStatus.PUBLISHED


def test_a_submission_without_the_shown_revision_confirms_nothing(client, admins, entry):
    scenario = propose("B-021", [entry])
    login(client, "admin_zj")
    answer = client.post(CHANGELIST, {"action": "confirm_selected", "confirmed": "yes",
                                      ACTION_CHECKBOX_NAME: [scenario.pk]}, follow=True)
    assert "B-021：未收到审阅时的修订版本，未作决定" in answer.content.decode()
    assert not ScenarioConfirmation.objects.exists()


def test_the_action_is_offered_only_to_region_administrators(client, admins, entry, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    assert "confirm_selected" in login(client, "admin_sh").get(CHANGELIST).content.decode()
    client.logout()
    assert "confirm_selected" not in login(client, "root").get(CHANGELIST).content.decode()
