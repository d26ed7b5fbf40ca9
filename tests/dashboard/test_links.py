"""Every number on the home page links to the admin list showing exactly those rows, and no link is refused."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from catalog.models import DeliveryState, PublicationDelivery
from dashboard import services
from scenarios.models import Decision
from scenarios.permissions import AUDITORS, ensure_groups
from scenarios.services import decide
from trust.models import Region

from ..factories import all_regions
from ..scenarios.factories import PASSWORD, confirm, four_admins
from .factories import call, delivery, proposed, superuser

pytestmark = pytest.mark.django_db

HOME = "/admin/"


@pytest.fixture
def governance():
    """Lists waiting, a rejection, undelivered publications and calls to the nodes."""
    admins = four_admins()
    regions = {r.code: r for r in all_regions()}
    confirm(proposed("W-1", by="SH"), "JS")
    proposed("W-2", by="ZJ")
    rejected = proposed("R-1", by="SH")
    decide(
        rejected,
        actor=admins["ZJ"],
        region=regions["ZJ"],
        revision=1,
        decision=Decision.REJECTED,
        reason="不适用",
    )
    delivery(regions["SH"], age=timedelta(minutes=20), error="连接被拒绝")
    delivery(regions["SH"], state=DeliveryState.FAILED, age=timedelta(hours=2), error="HTTP 500")
    delivery(regions["ZJ"], state=DeliveryState.DELIVERED)
    now = timezone.now()
    for i in range(5):
        call(to="SH", latency_ms=10.0 + i, at=now - timedelta(minutes=i + 1))
    call(to="region-sh", error="timeout", at=now - timedelta(minutes=2))
    call(to="ZJ", at=now - timedelta(minutes=30))
    return admins


def auditor():
    """A staff user of the read-only 审计员 role: no region, every region's records."""
    user = get_user_model().objects.create_user(username="auditor", password=PASSWORD, is_staff=True)
    ensure_groups()
    user.groups.add(Group.objects.get(name=AUDITORS))
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link(
    html: str, selector_id: str | None = None, css_class: str | None = None, region: str | None = None
) -> str:
    """The href of the element with ``id`` (or of ``class`` in the row of ``region``)."""
    return linked(html, selector_id, css_class, region)[0]


def linked(
    html: str, selector_id: str | None = None, css_class: str | None = None, region: str | None = None
) -> tuple[str, str]:
    """The href and the text of the link with ``id`` (or of ``class`` in the row of ``region``)."""
    if selector_id:
        match = re.search(rf'<a[^>]*id="{selector_id}"[^>]*href="([^"]+)"[^>]*>([^<]*)<', html)
    else:
        rows = re.findall(rf'<tr data-region="{region}">(.*?)</tr>', html, re.S)
        found = [re.search(rf'<a class="{css_class}" href="([^"]+)"[^>]*>([^<]*)<', row) for row in rows]
        match = next((m for m in found if m), None)
    assert match, (selector_id, css_class, region)
    return unescape(match.group(1)), match.group(2)


def undelivered(code: str, *states: str) -> int:
    return PublicationDelivery.objects.filter(
        region__code=code, state__in=states or services.UNDELIVERED
    ).count()


def listed(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"].result_count


def number(html: str, selector_id: str) -> int:
    return int(re.search(rf'id="{selector_id}"[^>]*>(\d+)<', html).group(1))


def test_region_administrator_links_show_the_same_rows(governance):
    client = client_for(governance["SH"])
    html = client.get(HOME).content.decode()
    assert number(html, "waiting-count") == listed(client, link(html, "waiting-count")) == 2
    assert number(html, "rejected-count") == listed(client, link(html, "rejected-count")) == 1
    url, text = linked(html, css_class="undelivered-count", region="SH")
    assert int(text) == listed(client, url) == undelivered("SH") >= 2
    url, text = linked(html, css_class="failed-count", region="SH")
    assert int(text) == listed(client, url) == undelivered("SH", DeliveryState.FAILED) == 1
    # Region administrators read the call records of their region (ysj_portal.audit).
    url, text = linked(html, css_class="calls-count", region="SH")
    assert int(text) == listed(client, url) == 6
    assert listed(client, link(html, css_class="failed-calls", region="SH")) == 1
    assert 'data-region="ZJ"' not in html


@pytest.mark.parametrize("who", ["root", "auditor"])
def test_superuser_and_auditor_links_show_the_same_rows(governance, who):
    client = client_for(superuser() if who == "root" else auditor())
    html = client.get(HOME).content.decode()
    assert number(html, "waiting-count") == listed(client, link(html, "waiting-count")) == 2
    assert number(html, "rejected-count") == listed(client, link(html, "rejected-count")) == 1
    url, text = linked(html, css_class="undelivered-count", region="ZJ")
    assert int(text) == listed(client, url) == undelivered("ZJ")
    url, text = linked(html, css_class="calls-count", region="SH")
    assert int(text) == listed(client, url) == 6
    assert listed(client, link(html, css_class="failed-calls", region="SH")) == 1
    assert listed(client, link(html, css_class="calls-count", region="ZJ")) == 1


def test_the_inbox_link_shows_the_unread_count(governance):
    from notifications.models import Notification

    user = governance["JS"]
    # The workflow's notices are written after commit, which this test's transaction never does.
    for i in range(3):
        Notification.objects.create(
            recipient=user,
            kind="decision_needed",
            title=f"待决定 {i}",
            read_at=timezone.now() if i == 0 else None,
        )
    Notification.objects.create(recipient=governance["SH"], kind="decision_needed", title="他人的通知")
    client = client_for(user)
    html = client.get(HOME).content.decode()
    unread = 2
    assert f"未读通知 {unread}" in html
    assert listed(client, link(html, "inbox-link")) == unread


@pytest.mark.parametrize("who", ["SH", "ZJ", "root", "auditor"])
def test_no_link_on_the_home_page_is_refused(governance, who):
    user = {"root": superuser, "auditor": auditor}.get(who, lambda: governance[who])()
    client = client_for(user)
    html = client.get(HOME).content.decode()
    hrefs = {unescape(h) for h in re.findall(r'href="(/[^"#]*)"', html)} - {reverse("admin:logout")}
    assert len(hrefs) > 5
    for href in sorted(hrefs):
        status = client.get(href).status_code
        assert status not in (403, 404, 500), (href, status)


def test_the_charts_page_opens_for_region_administrators_and_superusers(governance):
    for user in (governance["SH"], superuser()):
        response = client_for(user).get(reverse("dashboard:charts"))
        assert response.status_code == 200
        assert response.content.count(b'<svg class="dashboard-chart"') == 3


def test_the_home_page_needs_a_staff_login():
    response = Client().get(HOME)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert Region.objects.count() == 0
