"""Polish found in the walk: a region administrator is shown only links it may open, in Chinese."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin

import pytest
from django.urls import reverse

from catalog.models import DeliveryState, PublicationDelivery
from scenarios import services
from scenarios.models import RegionAdministrator, ScenarioList

from ..catalog.factories import PublishedEntryFactory, gb_type_code
from ..factories import ApplicationFactory, no_delivery
from .factories import PASSWORD, four_admins, propose, publish_with_four

pytestmark = pytest.mark.django_db

#: Pages of other parts of the admin: not walked from here (their own owners test them). The
#: application page's region link is one of them: see the report of this change.
NOT_WALKED = ("/admin/trust/", "/admin/sharing/", "/admin/axes/", "/admin/ysj_portal/", "/admin/dashboard/",
              "/admin/evidence/", "/admin/notices/")


@pytest.fixture
def walked_data():
    admins = four_admins()
    entry = PublishedEntryFactory(type_name="居民身份证", type_code=gb_type_code(501))
    ApplicationFactory()
    live = propose("L-001", [entry])
    with no_delivery():
        publish_with_four(live)
        services.withdraw_list(live, actor=admins["SH"], reason="事项调整")
    propose("L-002", [entry], by="JS")
    return admins


def walk(client, start: str, limit: int = 400) -> dict[str, tuple[int, str]]:
    """Follow every admin link from ``start`` (at most three query variants of a path): url -> (status, found on)."""
    seen: dict[str, tuple[int, str]] = {}
    queue: list[tuple[str, str]] = [(start, "")]
    queued = {start}
    while queue and len(seen) < limit:
        url, origin = queue.pop(0)
        response = client.get(url)
        seen[url] = (response.status_code, origin)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if url.startswith(NOT_WALKED):
            continue
        for href in re.findall(r'href="([^"]+)"', response.content.decode()):
            target = urldefrag(urljoin(url, href.replace("&amp;", "&")))[0]
            if not target.startswith("/admin/") or "logout" in target or target.startswith("/admin/jsi18n"):
                continue
            path = target.split("?")[0]
            if "?" in target and sum(1 for q in queued if q.split("?")[0] == path) > 2:
                continue
            if target not in queued:
                queued.add(target)
                queue.append((target, url))
    return seen


def test_no_link_walked_as_a_region_administrator_answers_403_or_404(client, walked_data):
    assert client.login(username="admin_sh", password=PASSWORD)
    seen = walk(client, reverse("admin:index"))
    broken = {url: found for url, found in seen.items() if found[0] in (403, 404, 500)}
    assert broken == {}
    opened = [url for url, (status, _) in seen.items() if status == 200]
    # The walk reached the pages of the task: lists, their history, decisions, deliveries, the inbox.
    for part in ("/admin/scenarios/scenariolist/", "/history/", "/decide/", "/admin/catalog/publicationdelivery/",
                 "/admin/catalog/publication/", "/admin/scenarios/regionadministrator/",
                 "/admin/notifications/notification/"):
        assert any(part in url for url in opened), part


def test_titles_and_columns_say_what_they_are_not_database_ids(client, walked_data):
    assert client.login(username="admin_sh", password=PASSWORD)
    record = RegionAdministrator.objects.get(user__username="admin_js")
    page = client.get(reverse("admin:scenarios_regionadministrator_change", args=[record.pk])).content.decode()
    assert "admin_js（江苏省地区管理员）" in page and " @ " not in page
    delivery = PublicationDelivery.objects.filter(region__code="ZJ").order_by("sequence").first()
    page = client.get(reverse("admin:catalog_publicationdelivery_change", args=[delivery.pk])).content.decode()
    assert f"投递至浙江省，地区序号 {delivery.sequence}" in page and "→" not in page.split("<title>")[1][:200]
    listed = ScenarioList.objects.get(code="L-001")
    history = client.get(reverse("admin:scenarios_scenariolist_history", args=[listed.pk]))
    assert history.status_code == 200
    html = history.content.decode()
    assert "变更内容" in html and "修改人" in html and ">Changes<" not in html


def test_delivery_status_codes_and_duplicates_are_explained(client, walked_data):
    delivered = PublicationDelivery.objects.filter(region__code="AH").order_by("sequence").first()
    PublicationDelivery.objects.filter(pk=delivered.pk).update(state=DeliveryState.DELIVERED, last_status="0",
                                                               duplicate=True)
    refused = PublicationDelivery.objects.filter(region__code="JS").order_by("sequence").first()
    PublicationDelivery.objects.filter(pk=refused.pk).update(state=DeliveryState.FAILED, last_status="1001/400",
                                                             last_error="bad")
    assert client.login(username="admin_sh", password=PASSWORD)
    page = client.get(reverse("admin:catalog_publicationdelivery_change", args=[delivered.pk])).content.decode()
    assert "重复（地区已收到过）" in page and "0（接口调用成功）" in page
    assert "icon-no" not in page and "duplicate: true" not in page
    listing = client.get(reverse("admin:catalog_publicationdelivery_changelist")).content.decode()
    assert "已送达（重复，地区已收到过）" in listing
    assert re.search(r"1001（[^）]+），HTTP 400", listing)


def test_history_pages_and_read_only_forms_have_no_english_left(client, walked_data):
    assert client.login(username="admin_sh", password=PASSWORD)
    listed = ScenarioList.objects.get(code="L-001")
    version = listed.history.order_by("history_id").first()
    page = client.get(reverse("admin:scenarios_scenariolist_simple_history", args=[listed.pk, version.history_id]))
    html = page.content.decode()
    assert page.status_code == 200 and "查看历史版本" in html
    assert "Historical" not in html and ">Scenarios<" not in html
    entry = listed.entries.first()
    html = client.get(reverse("admin:catalog_catalogentry_change", args=[entry.pk])).content.decode()
    assert "Change reason" not in html and ">None<" not in html
