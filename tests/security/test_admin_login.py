"""Admin logins are locked after repeated wrong passwords, per account and address (django-axes)."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.exceptions import AxesBackendRequestParameterRequired
from axes.models import AccessAttempt
from django.contrib.auth import authenticate, get_user_model
from django.test import Client
from django.utils import timezone

from tests.scenarios.factories import PASSWORD, region_admin

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
STAFF_PASSWORD = "Right-password-for-tests-1"  # noqa: S105


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, for tests only


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("clerk", password=STAFF_PASSWORD, is_staff=True)


def client_at(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def lock(username: str, address: str = "192.0.2.1") -> Client:
    """Five wrong passwords: four answer the form with its error, the fifth the lockout page."""
    client = client_at(address)
    for _ in range(4):
        assert log_in(client, username, "wrong-password").status_code == 200
    assert log_in(client, username, "wrong-password").status_code == 429
    return client


def test_the_right_password_logs_in(staff):
    client = client_at("192.0.2.1")
    response = log_in(client, "clerk", STAFF_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert logged_in(client)


def test_repeated_wrong_passwords_lock_the_account_and_refuse_the_right_one(staff):
    client = lock("clerk")
    refused = log_in(client, "clerk", STAFF_PASSWORD)
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "账户已暂时锁定" in text and "30 分钟后再试" in text and "clerk" in text
    assert not logged_in(client)
    assert AccessAttempt.objects.get(username="clerk", ip_address="192.0.2.1").failures_since_start >= 5


def test_another_address_or_another_account_is_not_locked(staff):
    lock("clerk", "192.0.2.1")
    elsewhere = client_at("198.51.100.7")
    assert log_in(elsewhere, "clerk", STAFF_PASSWORD).status_code == 302
    assert logged_in(elsewhere)
    get_user_model().objects.create_user("colleague", password=STAFF_PASSWORD, is_staff=True)
    same_address = client_at("192.0.2.1")
    assert log_in(same_address, "colleague", STAFF_PASSWORD).status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(staff):
    client = client_at("192.0.2.1")
    for _ in range(4):
        log_in(client, "clerk", "wrong-password")
    assert log_in(client, "clerk", STAFF_PASSWORD).status_code == 302
    other = client_at("192.0.2.1")
    for _ in range(4):
        log_in(other, "clerk", "wrong-password")
    assert log_in(other, "clerk", STAFF_PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(staff):
    client = lock("clerk")
    assert log_in(client, "clerk", STAFF_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert log_in(client, "clerk", STAFF_PASSWORD).status_code == 302


def test_a_region_administrator_unlocks_a_colleague_in_the_admin(staff):
    client = lock("clerk")
    assert log_in(client, "clerk", STAFF_PASSWORD).status_code == 429
    admin_sh = region_admin("SH")
    operator = client_at("203.0.113.1")
    assert log_in(operator, admin_sh.username, PASSWORD).status_code == 302
    listing = operator.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "clerk" in listing.content.decode()
    assert "锁定中" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="clerk")
    done = operator.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock_selected", "_selected_action": [attempt.pk]},
        follow=True,
    )
    assert "已解除 1 条登录锁定" in done.content.decode()
    assert not AccessAttempt.objects.filter(username="clerk").exists()
    assert log_in(client, "clerk", STAFF_PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_superusers_lock_is_lifted_by_superusers_only():
    get_user_model().objects.create_superuser("root", password=STAFF_PASSWORD)
    lock("root")
    admin_sh = region_admin("SH")
    operator = client_at("203.0.113.1")
    log_in(operator, admin_sh.username, PASSWORD)
    assert "root" not in operator.get("/admin/axes/accessattempt/").content.decode()
    attempt = AccessAttempt.objects.get(username="root")
    operator.post("/admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": [attempt.pk]})
    assert AccessAttempt.objects.filter(username="root").exists()
    superuser = get_user_model().objects.create_superuser("root2", password=STAFF_PASSWORD)
    other = Client()
    other.force_login(superuser)
    other.post("/admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": [attempt.pk]})
    assert not AccessAttempt.objects.filter(username="root").exists()


def test_a_user_without_the_permission_cannot_unlock(staff):
    lock("colleague-locked")
    attempt = AccessAttempt.objects.get(username="colleague-locked")
    client = Client()
    client.force_login(staff)  # staff, but neither region administrator nor superuser
    assert client.get("/admin/axes/accessattempt/").status_code == 403
    client.post("/admin/axes/accessattempt/", {"action": "unlock_selected", "_selected_action": [attempt.pk]})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_authenticating_without_the_request_is_refused_not_waved_through(staff):
    """Every login path must hand the request over, or the lockout could not apply: it fails loudly."""
    with pytest.raises(AxesBackendRequestParameterRequired):
        authenticate(username="clerk", password=STAFF_PASSWORD)


def test_the_lockout_pages_read_in_chinese(staff):
    """django-axes ships no Chinese: its section, model and column names come from the project."""
    lock("clerk")
    admin_sh = region_admin("SH")
    operator = client_at("203.0.113.2")
    assert log_in(operator, admin_sh.username, PASSWORD).status_code == 302
    page = operator.get("/admin/axes/accessattempt/").content.decode()
    assert "管理后台登录安全" in page and "登录失败记录" in page
    for english in ("Access attempts", "access attempts", "Axes", "IP Address", "Failed Logins"):
        assert english not in page, english
