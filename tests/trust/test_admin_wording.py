"""The trust admin in the users' language: registration results by meaning, no links a user cannot open."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from scenarios.permissions import ensure_groups
from tests.factories import ApplicationFactory, RegionFactory
from trust.models import RegistrationAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password="Root-pass-1"))
    return client


def test_registration_results_are_shown_and_filtered_by_meaning(superuser_client) -> None:
    RegistrationAttempt.objects.create(app_id="app-a", succeeded=False, reason="bad_secret")
    RegistrationAttempt.objects.create(app_id="app-b", succeeded=True, reason="ok")
    page = superuser_client.get("/admin/trust/registrationattempt/").content.decode()
    assert "应用密钥（appSecret）错误" in page and "成功" in page
    assert "bad_secret" not in page.replace("reason=bad_secret", "")
    filtered = superuser_client.get("/admin/trust/registrationattempt/?reason=bad_secret").content.decode()
    assert "app-a" in filtered and "app-b" not in filtered


def test_a_region_administrator_sees_the_applications_region_as_text(client) -> None:
    from scenarios.models import RegionAdministrator

    ensure_groups()
    region = RegionFactory(code="SH")
    application = ApplicationFactory(app_id="app-sh", region=region)
    user = get_user_model().objects.create_user("admin_sh", password="Admin-pass-1", is_staff=True)
    RegionAdministrator.objects.create(user=user, region=region)
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name="地区管理员"))
    client.force_login(user)
    page = client.get(f"/admin/trust/trustedapplication/{application.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert region.name in html
    assert f"/admin/trust/region/{region.pk}/change/" not in html
    assert client.get(f"/admin/trust/trustedapplication/{application.pk}/history/").status_code == 200
