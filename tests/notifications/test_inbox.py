"""The inbox in the admin: own notifications only, unread count, opened means read, mark all read."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Notification, NotificationKind
from notifications.services import mark_read, unread_count

from ..scenarios.factories import PASSWORD, region_admin
from .helpers import catalog_editor

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


def notice(user, title: str, **kwargs) -> Notification:
    return Notification.objects.create(recipient=user, kind=NotificationKind.DECISION_NEEDED, title=title, **kwargs)


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_unread_count_counts_the_users_unread_notices_only():
    sh, js = region_admin("SH"), region_admin("JS")
    first, _ = notice(sh, "一"), notice(sh, "二")
    notice(js, "三")
    assert unread_count(sh) == 2 and unread_count(js) == 1 and unread_count(None) == 0
    assert mark_read(user=js, notifications=[first]) == 0  # not js's: unchanged
    assert mark_read(user=sh, notifications=[first]) == 1
    assert unread_count(sh) == 1


def test_the_inbox_lists_only_my_notices_with_the_unread_count():
    sh, js = region_admin("SH"), region_admin("JS")
    notice(sh, "上海的通知甲")
    notice(sh, "上海的通知乙")
    notice(js, "江苏的通知")
    page = client_for(sh).get(reverse(CHANGELIST))
    assert page.status_code == 200
    body = page.content.decode()
    assert "我的通知（2 条未读）" in body
    assert "上海的通知甲" in body and "上海的通知乙" in body and "江苏的通知" not in body
    assert "全部标为已读（2）" in body


def test_opening_a_notice_marks_it_read_and_leads_to_its_page(django_user_model):
    sh = region_admin("SH")
    from scenarios.models import ScenarioList

    scenario = ScenarioList.objects.create(code="INBOX-1", name="收件箱测试清单")
    row = notice(sh, "打开即已读", scenario_list=scenario)
    client = client_for(sh)
    answer = client.get(reverse("admin:notifications_notification_open", args=[row.pk]))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("admin:scenarios_scenariolist_change", args=[scenario.pk])
    row.refresh_from_db()
    assert row.read_at is not None and unread_count(sh) == 0
    # The stock change page of a notice does the same.
    other = notice(sh, "另一条")
    assert client.get(reverse("admin:notifications_notification_change", args=[other.pk])).status_code == 302
    other.refresh_from_db()
    assert other.read_at is not None


def test_nobody_opens_another_users_notice():
    sh, js = region_admin("SH"), region_admin("JS")
    row = notice(js, "江苏的通知")
    answer = client_for(sh).get(reverse("admin:notifications_notification_open", args=[row.pk]))
    assert answer.status_code == 404
    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_is_a_post_and_touches_only_mine():
    sh, js = region_admin("SH"), region_admin("JS")
    notice(sh, "一")
    notice(sh, "二")
    notice(js, "三")
    client = client_for(sh)
    url = reverse("admin:notifications_notification_read_all")
    assert client.get(url).status_code == 405
    answer = client.post(url, follow=True)
    assert "已将 2 条通知标为已读" in answer.content.decode()
    assert unread_count(sh) == 0 and unread_count(js) == 1


def test_mark_selected_read_action():
    editor = catalog_editor()
    rows = [notice(editor, "一"), notice(editor, "二"), notice(editor, "三")]
    client = Client()
    assert client.login(username=editor.username, password=PASSWORD)
    client.post(reverse(CHANGELIST), {"action": "mark_selected_read", "_selected_action": [rows[0].pk, rows[1].pk]})
    assert unread_count(editor) == 1


@pytest.mark.parametrize("count", [3, 120])
def test_the_inbox_page_costs_the_same_however_many_notices(count, django_assert_num_queries):
    sh = region_admin("SH")
    Notification.objects.bulk_create(
        [Notification(recipient=sh, kind=NotificationKind.PUBLISHED, title=f"通知 {n}") for n in range(count)]
    )
    client = client_for(sh)
    # A fixed number of queries: one page of rows (50), whatever the inbox holds.
    with django_assert_num_queries(7):
        assert client.get(reverse(CHANGELIST)).status_code == 200
