"""The trust pages of the governance portal: secrets shown once, masking, revocation."""

import re

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse

from trust.models import AccessToken, ApplicationStatus, HolderToken, TrustedApplication

from ..factories import ApplicationFactory, RegionFactory
from ..keys import key_for
from .factories import access_token, holder_token, registered_app
from .holders import PERSON, resident_id, uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "admin@example.gov.cn", "pw-for-tests-only")
    client.force_login(user)
    return client


def new_app_form(**overrides) -> dict:
    region = RegionFactory(code="SH")
    return {
        "app_id": "app-sh-window", "name": "一网通办窗口", "region": region.pk, "corp_name": "上海市大数据中心",
        "corp_code": uscc("12310000MB2F32867"), "contact_name": "王五", "contact_phone": "13900000000",
        "public_key": key_for("app-sh-window").public_key.hex(),
    } | overrides


def test_adding_an_application_shows_its_secret_once(staff):
    response = staff.post(reverse("admin:trust_trustedapplication_add"), new_app_form())
    assert response.status_code == 200
    html = response.content.decode()
    assert "仅显示这一次" in html and "no-store" in response["Cache-Control"]
    secret = re.search(r"<code>([^<]+)</code>", html).group(1)
    application = TrustedApplication.objects.get(app_id="app-sh-window")
    assert check_password(secret, application.secret_hash) and secret not in application.secret_hash
    change = staff.get(reverse("admin:trust_trustedapplication_change", args=[application.pk])).content.decode()
    assert secret not in change and application.secret_hash not in change


def test_invalid_credit_code_is_refused_in_the_form(staff):
    response = staff.post(reverse("admin:trust_trustedapplication_add"), new_app_form(corp_code="12310000MB2F328670"))
    assert "不是有效的统一社会信用代码" in response.content.decode()
    assert not TrustedApplication.objects.exists()


def test_rotating_the_secret_revokes_access_tokens(staff):
    application, old_secret = registered_app("app-rot")
    access_token(application)
    response = staff.post(reverse("admin:trust_trustedapplication_changelist"),
                          {"action": "rotate_secret", "_selected_action": [application.pk]})
    secret = re.search(r"<code>([^<]+)</code>", response.content.decode()).group(1)
    application.refresh_from_db()
    assert check_password(secret, application.secret_hash) and not check_password(old_secret, application.secret_hash)
    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()


@pytest.mark.parametrize(("action", "status"), [("suspend", ApplicationStatus.SUSPENDED), ("revoke", ApplicationStatus.REVOKED)])
def test_suspending_or_revoking_ends_all_tokens(staff, action, status):
    application = ApplicationFactory(app_id="app-stop")
    access_token(application)
    holder_token(application)
    staff.post(reverse("admin:trust_trustedapplication_changelist"),
               {"action": action, "_selected_action": [application.pk]})
    application.refresh_from_db()
    assert application.status == status
    assert not AccessToken.objects.filter(revoked_at__isnull=True).exists()
    assert not HolderToken.objects.filter(revoked_at__isnull=True).exists()


def test_token_revocation_from_the_token_lists(staff):
    application = ApplicationFactory(app_id="app-tok")
    access_token(application)
    holder_token(application)
    staff.post(reverse("admin:trust_accesstoken_changelist"),
               {"action": "revoke_selected", "_selected_action": list(AccessToken.objects.values_list("pk", flat=True))})
    staff.post(reverse("admin:trust_holdertoken_changelist"),
               {"action": "revoke_selected", "_selected_action": list(HolderToken.objects.values_list("pk", flat=True))})
    assert AccessToken.objects.get().revoked_at is not None
    assert HolderToken.objects.get().revoked_at is not None


def test_holder_numbers_are_masked_and_searchable_by_digest(staff):
    application = ApplicationFactory(app_id="app-mask")
    holder_token(application)
    url = reverse("admin:trust_holdertoken_changelist")
    page = staff.get(url).content.decode()
    assert PERSON["idCard"] not in page and PERSON["idCard"][:6] + "********" + PERSON["idCard"][-4:] in page
    # A full number typed by staff is matched through its keyed digest.
    assert "app-mask" in staff.get(url, {"q": PERSON["idCard"]}).content.decode()
    assert "app-mask" not in staff.get(url, {"q": resident_id("44030119851231001")}).content.decode()
    detail = staff.get(reverse("admin:trust_holdertoken_change", args=[HolderToken.objects.get().pk])).content.decode()
    assert PERSON["idCard"] not in detail


@pytest.mark.parametrize(
    "name", ["accesstoken", "holdertoken", "acceptedservicecode", "registrationattempt", "trustedapplication"]
)
def test_list_pages_render(staff, name):
    assert staff.get(reverse(f"admin:trust_{name}_changelist")).status_code == 200
