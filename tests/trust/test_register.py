"""12.2.1 over real HTTP: appId/appSecret registration, its refusals and rate limiting."""

import pytest
from django.contrib.auth.hashers import check_password

from trust import services
from trust.models import AccessToken, ApplicationStatus, RegistrationAttempt, TrustedApplication
from ysj_protocol.crypto.sm3 import sm3_hex

from .factories import call, registered_app

pytestmark = pytest.mark.django_db(transaction=True)

REGISTER = "/api/v1/trust/apps/register"


def params(app: TrustedApplication, secret: str, **overrides) -> dict:
    return {"appId": app.app_id, "appSecret": secret, "corpName": app.corp_name, "corpCode": app.corp_code} | overrides


def test_registration_hands_out_an_access_token_stored_hashed(http):
    app, secret = registered_app("app-reg")
    answer = call(http, REGISTER, params(app, secret), account=app.app_id)
    assert (answer.http_status, answer.status) == (200, "0")
    assert answer.data["code"] == 1 and answer.data["msg"]
    token = answer.data["accessToken"]
    assert len(token) >= 40 and answer.data["expiresAt"]
    row = AccessToken.objects.get(application=app)
    assert row.token_hash == sm3_hex(token.encode()) and token not in (row.token_hash, row.prefix)
    assert row.client_ip == "127.0.0.1"
    assert RegistrationAttempt.objects.get(app_id=app.app_id).succeeded


def test_secret_is_kept_only_as_a_salted_hash(db):
    app, secret = registered_app("app-hash")
    app.refresh_from_db()
    assert secret not in app.secret_hash and check_password(secret, app.secret_hash)
    other, other_secret = registered_app("app-hash2")
    other.refresh_from_db()
    assert app.secret_hash.split("$")[1] != other.secret_hash.split("$")[1]  # distinct salts


@pytest.mark.parametrize(
    ("overrides", "code", "http_status"),
    [
        ({"appSecret": "wrong-secret"}, "2034", 401),
        ({"corpName": "别的单位"}, "2035", 403),
        ({"corpCode": "91310000MA1FL12340"}, "2035", 403),
        ({"appId": "app-someone-else"}, "2036", 400),
    ],
)
def test_refusals_answer_code_0_with_a_message(http, overrides, code, http_status):
    app, secret = registered_app("app-refused")
    answer = call(http, REGISTER, params(app, secret, **overrides), account=app.app_id)
    assert (answer.http_status, answer.status) == (http_status, code)
    assert answer.data["code"] == 0 and answer.data["msg"] == answer.message and answer.data["status"] == code
    assert not AccessToken.objects.exists()
    assert not RegistrationAttempt.objects.get().succeeded


@pytest.mark.parametrize(("status", "code"), [(ApplicationStatus.SUSPENDED, "2032"), (ApplicationStatus.REVOKED, "2033")])
def test_suspended_or_revoked_application_is_told_why(http, status, code):
    app, secret = registered_app("app-stopped")
    services.set_application_status(app, status, "违规调用")
    answer = call(http, REGISTER, params(app, secret), account=app.app_id)
    assert answer.status == code and answer.data["code"] == 0
    assert "违规调用" in answer.data["msg"]
    assert not AccessToken.objects.exists()


def test_missing_parameter_is_named(http):
    app, secret = registered_app("app-missing")
    answer = call(http, REGISTER, {"appId": app.app_id, "appSecret": secret, "corpName": app.corp_name},
                  account=app.app_id)
    assert (answer.http_status, answer.status) == (400, "1007")
    assert "corpCode" in answer.message and answer.data["code"] == 0


def test_rotation_revokes_tokens_and_the_old_secret(http):
    app, secret = registered_app("app-rotate")
    first = call(http, REGISTER, params(app, secret), account=app.app_id).data["accessToken"]
    new_secret = services.allocate_secret(app, rotating=True)
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "2034"
    assert call(http, REGISTER, params(app, new_secret), account=app.app_id).status == "0"
    old = AccessToken.objects.get(token_hash=sm3_hex(first.encode()))
    assert old.revoked_at is not None and "重置" in old.revoked_reason


def test_repeated_failures_are_rate_limited_per_app_id(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 3
    app, secret = registered_app("app-brute")
    for _ in range(3):
        assert call(http, REGISTER, params(app, secret, appSecret="guess"), account=app.app_id).status == "2034"
    limited = call(http, REGISTER, params(app, secret), account=app.app_id)  # even the right secret
    assert (limited.http_status, limited.status) == (429, "2021")
    assert limited.data["code"] == 0
    assert not AccessToken.objects.exists()
    # Another application from the same address is not affected by this appId's limit.
    other, other_secret = registered_app("app-innocent")
    assert call(http, REGISTER, params(other, other_secret), account=other.app_id).status == "0"


def test_repeated_failures_are_rate_limited_per_client_address(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_IP = 4
    apps = [registered_app(f"app-ip-{n}") for n in range(5)]
    for app, secret in apps[:4]:
        assert call(http, REGISTER, params(app, secret, appSecret="guess"), account=app.app_id).status == "2034"
    app, secret = apps[4]
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "2021"


def test_success_resets_the_per_app_count(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 2
    app, secret = registered_app("app-typo")
    assert call(http, REGISTER, params(app, secret, appSecret="typo"), account=app.app_id).status == "2034"
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "0"
    assert call(http, REGISTER, params(app, secret, appSecret="typo"), account=app.app_id).status == "2034"
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "0"
