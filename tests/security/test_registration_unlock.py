"""Operators lift a registration lock (12.2.1) in the admin: the application's page and the locks' page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.scenarios.factories import region_admin
from tests.trust.factories import registered_app
from trust import services, throttle
from trust.models import RegistrationThrottle, TrustedApplication
from trust.tasks import purge_expired
from ysj_protocol.envelope import EnvelopeError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 2


def register(app: TrustedApplication, secret: str, ip: str) -> str:
    try:
        services.register_application(
            account_id=app.app_id, app_id=app.app_id, app_secret=secret,
            corp_name=app.corp_name, corp_code=app.corp_code, ip=ip,
        )
        return "0"
    except EnvelopeError as exc:
        return exc.status.code


def locked_app(app_id: str, ip: str = "192.0.2.20") -> tuple[TrustedApplication, str]:
    app, secret = registered_app(app_id)
    assert [register(app, "guess", ip) for _ in range(2)] == ["2034", "2034"]
    assert register(app, secret, ip) == "2021"
    return app, secret


def operator() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("operator", password="x"))
    return client


def test_the_applications_admin_action_unlocks_every_address():
    app, secret = locked_app("app-locked")
    assert register(app, "guess", "192.0.2.21") == "2034"
    answer = operator().post(
        "/admin/trust/trustedapplication/",
        {"action": "unlock_registration", "_selected_action": [app.pk]},
        follow=True,
    )
    assert "已解除 2 个注册锁定范围" in answer.content.decode()
    assert not RegistrationThrottle.objects.filter(app_id=app.app_id, failures__gt=0).exists()
    assert register(app, secret, "192.0.2.20") == "0"


def test_the_locks_page_lists_and_unlocks_a_scope():
    app, secret = locked_app("app-listed")
    client = operator()
    listing = client.get("/admin/trust/registrationthrottle/?locked=yes")
    assert listing.status_code == 200 and "app-listed" in listing.content.decode()
    row = RegistrationThrottle.objects.get(app_id=app.app_id, client="192.0.2.20")
    client.post("/admin/trust/registrationthrottle/", {"action": "unlock_selected", "_selected_action": [row.pk]})
    assert register(app, secret, "192.0.2.20") == "0"


def test_a_region_administrator_cannot_unlock_an_application():
    app, secret = locked_app("app-region")
    client = Client()
    client.force_login(region_admin("SH"))
    client.post("/admin/trust/trustedapplication/", {"action": "unlock_registration", "_selected_action": [app.pk]})
    assert register(app, secret, "192.0.2.20") == "2021"


def test_unlock_needs_a_scope():
    with pytest.raises(ValueError):
        throttle.unlock()


def test_housekeeping_drops_quiet_scopes_and_keeps_locked_ones(settings):
    settings.YSJ_REGISTER_FAILURE_WINDOW = 900
    now = timezone.now()
    old = now - dt.timedelta(seconds=901)
    RegistrationThrottle.objects.create(app_id="app-quiet", client="192.0.2.30", failures=1, last_failure_at=old)
    RegistrationThrottle.objects.create(app_id="app-recent", client="192.0.2.30", failures=1, last_failure_at=now)
    RegistrationThrottle.objects.create(
        app_id="app-long-lock", client="192.0.2.30", failures=9, last_failure_at=old,
        locked_until=now + dt.timedelta(hours=1),
    )
    assert purge_expired()["throttle_scopes"] == 1
    assert set(RegistrationThrottle.objects.values_list("app_id", flat=True)) == {"app-recent", "app-long-lock"}
