"""The governance admin: region-bound decisions, confirmation pages, constant queries on list pages."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import CatalogStatus, DeliveryState, Publication, PublicationDelivery
from scenarios.models import ScenarioConfirmation, ScenarioStatus

from ..catalog.factories import CatalogEntryFactory, PublishedEntryFactory
from .factories import PASSWORD, confirm, four_admins, propose

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins():
    return four_admins()


def login(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def test_js_administrator_decides_only_for_js_in_the_admin(client, admins):
    scenario = propose("A-001", [PublishedEntryFactory()])
    login(client, "admin_js")
    url = reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk])
    page = client.get(url)
    assert page.status_code == 200 and "代表 <strong>江苏省</strong>" in page.content.decode()
    # A crafted region field is ignored: the region is always the administrator's own.
    response = client.post(url, {"decision": "confirmed", "revision": 1, "region": "SH", "reason": ""})
    assert response.status_code == 302
    assert list(ScenarioConfirmation.objects.values_list("region__code", flat=True)) == ["JS"]
    again = client.post(url, {"decision": "confirmed", "revision": 1}, follow=True)
    assert "江苏省已对第 1 版作出决定" in again.content.decode()


def test_rejection_without_reason_is_refused_by_the_form(client, admins):
    scenario = propose("A-002", [PublishedEntryFactory()])
    login(client, "admin_zj")
    response = client.post(reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk]),
                           {"decision": "rejected", "revision": 1, "reason": ""})
    assert response.status_code == 200 and "驳回须填写理由" in response.content.decode()
    assert not ScenarioConfirmation.objects.exists()


def test_superuser_cannot_decide_for_a_region(client, admins):
    get_user_model().objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    scenario = propose("A-003", [PublishedEntryFactory()])
    confirm(scenario, "SH", "JS", "ZJ")
    login(client, "root")
    response = client.post(reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk]),
                           {"decision": "confirmed", "revision": 1}, follow=True)
    assert "不是任何地区的管理员" in response.content.decode()
    scenario.refresh_from_db()
    assert scenario.status == ScenarioStatus.DRAFT


def test_stale_revision_is_refused(client, admins):
    entry = PublishedEntryFactory()
    scenario = propose("A-004", [entry])
    login(client, "admin_sh")
    change = reverse("admin:scenarios_scenariolist_change", args=[scenario.pk])
    response = client.post(change, {
        "name": "新名称", "entries": [entry.pk], "valid_start_0": "2026-01-01", "valid_start_1": "00:00:00",
        "change_reason": "更名", "confirmations-TOTAL_FORMS": 0, "confirmations-INITIAL_FORMS": 0,
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0,
    }, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    scenario.refresh_from_db()
    assert scenario.revision == 2 and scenario.name == "新名称"
    login(client, "admin_ah")
    response = client.post(reverse("admin:scenarios_scenariolist_decide", args=[scenario.pk]),
                           {"decision": "confirmed", "revision": 1}, follow=True)
    assert "请重新审阅" in response.content.decode()


def test_waiting_for_my_region(client, admins):
    entry = PublishedEntryFactory()
    waiting = propose("A-005", [entry])
    done = propose("A-006", [entry])
    confirm(done, "AH")
    login(client, "admin_ah")
    page = client.get(reverse("admin:scenarios_scenariolist_changelist") + "?awaiting=mine").content.decode()
    assert "A-005" in page and "A-006" not in page and "待安徽省确认（1）" in page
    assert waiting.code in page


def test_list_page_queries_do_not_grow_with_rows(client, admins):
    entry = PublishedEntryFactory()
    propose("B-000", [entry])
    login(client, "admin_sh")
    url = reverse("admin:scenarios_scenariolist_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(1, 40):
        scenario = propose(f"B-{n:03d}", [entry])
        if n % 3 == 0:
            confirm(scenario, "SH", "JS")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200 and 'data-region="js"' in page.content.decode()
    assert len(many) == len(few)


def test_delivery_and_catalog_list_pages_are_constant(client, admins):
    user = get_user_model().objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    login(client, user.username)
    from catalog import services as catalog_services

    catalog_services.publish_entry(CatalogEntryFactory(), actor=user)
    urls = [reverse("admin:catalog_publicationdelivery_changelist"), reverse("admin:catalog_catalogentry_changelist")]
    before = []
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        before.append(len(queries))
    for _ in range(15):
        catalog_services.publish_entry(CatalogEntryFactory(), actor=user)
    for url, count in zip(urls, before, strict=True):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert len(queries) == count


def test_catalog_publish_action_goes_through_a_confirmation_page(client, admins):
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    entry = CatalogEntryFactory(type_name="结婚证")
    login(client, root.username)
    url = reverse("admin:catalog_catalogentry_changelist")
    page = client.post(url, {"action": "publish_selected", "_selected_action": [entry.pk]})
    assert page.status_code == 200 and "确认发布证照目录" in page.content.decode()
    entry.refresh_from_db()
    assert entry.status == CatalogStatus.DRAFT
    client.post(url, {"action": "publish_selected", "_selected_action": [entry.pk], "confirmed": "yes"})
    entry.refresh_from_db()
    assert entry.status == CatalogStatus.PUBLISHED
    assert PublicationDelivery.objects.filter(publication__code=entry.type_code).count() == 4
    page = client.post(url, {"action": "withdraw_selected", "_selected_action": [entry.pk], "confirmed": "yes", "reason": ""})
    assert "这个字段是必填项" in page.content.decode() or "必填" in page.content.decode()
    entry.refresh_from_db()
    assert entry.status == CatalogStatus.PUBLISHED


def test_retry_now_action(client, admins):
    root = get_user_model().objects.create_superuser("root", "root@example.gov.cn", PASSWORD)
    login(client, root.username)
    from catalog import services as catalog_services

    catalog_services.publish_entry(CatalogEntryFactory(), actor=root)
    PublicationDelivery.objects.update(state=DeliveryState.FAILED, last_error="1007 参数错误")
    ids = list(PublicationDelivery.objects.values_list("pk", flat=True))
    response = client.post(reverse("admin:catalog_publicationdelivery_changelist"),
                           {"action": "retry_now", "_selected_action": ids}, follow=True)
    assert "已安排立即重试 4 条投递" in response.content.decode()
    # Inline delivery against unreachable test endpoints: back to pending with the error shown.
    assert set(PublicationDelivery.objects.values_list("state", flat=True)) == {DeliveryState.PENDING}
    assert Publication.objects.count() == 1


def test_waiting_badge_is_capped_so_the_list_page_costs_the_same(client, admins, monkeypatch):
    from scenarios import admin as scenarios_admin

    monkeypatch.setattr(scenarios_admin, "AWAITING_BADGE_LIMIT", 2)
    entry = PublishedEntryFactory()
    for n in range(3):
        propose(f"C-{n:03d}", [entry])
    login(client, "admin_zj")
    url = reverse("admin:scenarios_scenariolist_changelist")
    assert "待浙江省确认（2+）" in client.get(url).content.decode()
    waiting = client.get(url + "?awaiting=mine").content.decode()
    assert all(f"C-{n:03d}" in waiting for n in range(3))  # the filtered page itself shows every list
