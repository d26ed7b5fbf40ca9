"""The unread count in the admin header: on every admin page, linking to the inbox, one query at most."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification, NotificationKind

from ..scenarios.factories import PASSWORD, region_admin

pytestmark = pytest.mark.django_db

INBOX = reverse("admin:notifications_notification_changelist")
BADGE = re.compile(r'<a href="([^"]+)" id="notification-badge"[^>]*><strong>通知 \((\d+)\)</strong></a>')


def unread(user, count: int) -> None:
    Notification.objects.bulk_create(
        [
            Notification(recipient=user, kind=NotificationKind.PUBLISHED, title=f"通知 {n}")
            for n in range(count)
        ]
    )


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def page_queries(client: Client, url: str) -> tuple[str, list[str]]:
    client.get(url)  # warm: content types, permissions' caches, the template loader
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def is_unread_count(sql: str) -> bool:
    return 'FROM "notifications_notification"' in sql and "COUNT(" in sql and '"read_at" IS NULL' in sql


def badge(body: str) -> tuple[str, int] | None:
    found = BADGE.search(body)
    return (found.group(1), int(found.group(2))) if found else None


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:scenarios_scenariolist_changelist"),
        reverse("admin:catalog_catalogentry_changelist"),
        reverse("admin:password_change"),
        reverse("admin:index"),  # the home page (dashboard), which shows the count too
        INBOX,
    ],
)
def test_every_admin_page_shows_the_unread_count_with_one_query(url):
    sh, js = region_admin("SH"), region_admin("JS")
    unread(sh, 3)
    unread(js, 5)
    client = client_for(sh)
    body, queries = page_queries(client, url)
    assert badge(body) == (INBOX, 3)
    assert body.index('id="notification-badge"') < body.index('id="logout-form"')  # in the user links
    unread_counts = [sql for sql in queries if is_unread_count(sql)]
    assert len(unread_counts) == 1  # header, home page and inbox title share the request's count


def test_the_badge_is_hidden_at_zero_and_costs_one_query_whatever_the_inbox_holds():
    sh = region_admin("SH")
    client = client_for(sh)
    url = reverse("admin:scenarios_scenariolist_changelist")
    body, none = page_queries(client, url)
    assert badge(body) is None and "通知 (" not in body
    unread(sh, 3)
    body, few = page_queries(client, url)
    assert badge(body) == (INBOX, 3)
    unread(sh, 200)
    Notification.objects.filter(recipient=sh).update(read_at=None)
    body, many = page_queries(client, url)
    assert badge(body) == (INBOX, 203)
    assert len(none) == len(few) == len(many)
    # Without the badge the page would run exactly one query fewer: the only one on notifications.
    assert sum('"notifications_notification"' in sql for sql in many) == 1
    # Reading them all hides it again.
    client.post(reverse("admin:notifications_notification_read_all"))
    assert badge(page_queries(client, url)[0]) is None


def test_no_badge_and_no_query_on_the_login_page():
    sh = region_admin("SH")
    unread(sh, 2)
    with CaptureQueriesContext(connection) as captured:
        body = Client().get(reverse("admin:login")).content.decode()
    assert badge(body) is None
    assert not any('"notifications_notification"' in q["sql"] for q in captured.captured_queries)
