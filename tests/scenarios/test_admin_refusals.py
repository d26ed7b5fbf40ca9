"""A save that a governance rule refuses after the form's own checks: the form again, nothing saved."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from catalog import services as catalog_services
from catalog.models import CatalogEntry, CatalogStatus, Publication
from scenarios.models import ScenarioEvent, ScenarioList

from ..catalog.factories import CatalogEntryFactory, PublishedEntryFactory, gb_type_code
from .factories import PASSWORD, four_admins, propose

pytestmark = pytest.mark.django_db

INLINES = {
    "confirmations-TOTAL_FORMS": 0, "confirmations-INITIAL_FORMS": 0,
    "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
}


@pytest.fixture
def admins():
    return four_admins()


def withdrawn_entry(**kwargs) -> CatalogEntry:
    """An entry another administrator withdrew while this one had the form open."""
    root = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        "root", "root@example.gov.cn", PASSWORD
    )
    entry = PublishedEntryFactory(**kwargs)
    catalog_services.withdraw_entry(entry, actor=root, reason="主管部门停止核发")
    return entry


def assert_form_shown_again(response, message: str) -> str:
    """200 with the change form, the refusal as a form error, and no success or error page."""
    page = response.content.decode()
    assert response.status_code == 200
    assert response.templates and any(t.name.endswith("change_form.html") for t in response.templates)
    assert "errornote" in page and message in page
    assert [m.message for m in get_messages(response.wsgi_request)] == []  # no "saved" message either
    return page


def test_edit_refused_by_the_workflow_shows_the_form_again_and_saves_nothing(client, admins):
    kept = PublishedEntryFactory(type_name="居民身份证")
    scenario = propose("R-001", [kept])
    gone = withdrawn_entry(type_name="食品经营许可证")
    history, events = scenario.history.count(), ScenarioEvent.objects.count()
    assert client.login(username="admin_sh", password=PASSWORD)
    response = client.post(reverse("admin:scenarios_scenariolist_change", args=[scenario.pk]), {
        "name": "餐饮开办", "entries": [kept.pk, gone.pk], "valid_start_0": "2026-01-01", "valid_start_1": "00:00:00",
        "change_reason": "增加食品经营许可证", **INLINES,
    })
    page = assert_form_shown_again(response, "关联的证照目录「食品经营许可证」已撤回，不能纳入用证清单")
    assert "餐饮开办" in page and "增加食品经营许可证" in page  # the administrator's input is kept
    scenario.refresh_from_db()
    assert scenario.name == "清单 R-001" and scenario.revision == 1
    assert list(scenario.entries.values_list("pk", flat=True)) == [kept.pk]
    assert scenario.history.count() == history and ScenarioEvent.objects.count() == events
    assert not LogEntry.objects.exists()


def test_registration_refused_by_the_workflow_shows_the_form_again_and_saves_nothing(client, admins):
    gone = withdrawn_entry(type_name="结婚证")
    assert client.login(username="admin_js", password=PASSWORD)
    response = client.post(reverse("admin:scenarios_scenariolist_add"), {
        "code": "R-002", "name": "婚姻登记", "entries": [gone.pk], "valid_start_0": "2026-01-01",
        "valid_start_1": "00:00:00", **INLINES,
    })
    assert_form_shown_again(response, "关联的证照目录「结婚证」已撤回，不能纳入用证清单")
    assert not ScenarioList.objects.exists() and not ScenarioEvent.objects.exists()
    assert not ScenarioList.history.exists() and not LogEntry.objects.exists()
    # Corrected, the same form saves.
    kept = PublishedEntryFactory(type_name="居民户口簿")
    response = client.post(reverse("admin:scenarios_scenariolist_add"), {
        "code": "R-002", "name": "婚姻登记", "entries": [kept.pk], "valid_start_0": "2026-01-01",
        "valid_start_1": "00:00:00", **INLINES,
    })
    assert response.status_code == 302 and ScenarioList.objects.filter(code="R-002").count() == 1


def test_catalog_edit_refused_after_a_concurrent_publication_shows_the_form_again(client, admins):
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    entry = CatalogEntryFactory(type_name="不动产权证书", type_code=gb_type_code(1))
    real_save_entry = catalog_services.save_entry

    def published_meanwhile(obj, **kwargs):
        # Another administrator publishes the entry between this form's checks and the locked save.
        # Two requests cannot be interleaved at that point in a single-threaded test, so the other
        # administrator's committed change is written here, right before the real service runs.
        CatalogEntry.objects.filter(pk=obj.pk).update(status=CatalogStatus.PUBLISHED, first_published_at=timezone.now())
        return real_save_entry(obj, **kwargs)

    assert client.login(username=root.username, password=PASSWORD)
    data = {
        "type_name": "不动产权证书", "type_code": gb_type_code(2), "holder_type": "both", "authority_name": "自然资源部",
        "authority_code": entry.authority_code, "related_item_name": "不动产登记", "related_item_code": "RE-ITEM",
        "share_start_0": "2026-01-01", "share_start_1": "00:00:00", "change_reason": "更正代码",
    }
    with mock.patch("catalog.admin.services.save_entry", side_effect=published_meanwhile):
        response = client.post(reverse("admin:catalog_catalogentry_change", args=[entry.pk]), data)
    page = assert_form_shown_again(response, "证照类型代码在发布后不可修改")
    assert gb_type_code(2) in page
    entry.refresh_from_db()
    assert (entry.type_code, entry.authority_name, entry.revision) == (gb_type_code(1), "测试主管部门", 1)
    assert entry.history.count() == 1 and not Publication.objects.exists() and not LogEntry.objects.exists()
