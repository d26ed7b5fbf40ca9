"""12.2.1 over real HTTP: appId/appSecret registration, its refusals and rate limiting."""

import datetime as dt
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection
from django.utils import timezone

from trust import services, throttle
from trust.models import (
    AccessToken,
    ApplicationStatus,
    RegistrationAttempt,
    RegistrationThrottle,
    TrustedApplication,
)
from ysj_protocol.crypto.sm3 import sm3_hex
from ysj_protocol.envelope import EnvelopeError

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
    ("overrides", "code"),
    [
        ({"appSecret": "wrong-secret"}, "2034"),
        ({"corpName": "别的单位"}, "2035"),
        ({"corpCode": "91310000MA1FL12340"}, "2035"),
        ({"appId": "app-someone-else"}, "2036"),
    ],
)
def test_refusals_answer_code_0_with_a_message(http, overrides, code):
    app, secret = registered_app("app-refused")
    answer = call(http, REGISTER, params(app, secret, **overrides), account=app.app_id)
    assert (answer.http_status, answer.status) == (200, code)  # the refusal is head.status (12.1.2)
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
    assert (answer.http_status, answer.status) == (200, "1007")
    assert "corpCode" in answer.message and answer.data["code"] == 0


def test_rotation_revokes_tokens_and_the_old_secret(http):
    app, secret = registered_app("app-rotate")
    first = call(http, REGISTER, params(app, secret), account=app.app_id).data["accessToken"]
    new_secret = services.allocate_secret(app, rotating=True)
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "2034"
    assert call(http, REGISTER, params(app, new_secret), account=app.app_id).status == "0"
    old = AccessToken.objects.get(token_hash=sm3_hex(first.encode()))
    assert old.revoked_at is not None and "重置" in old.revoked_reason


def _from(live_server, address: str) -> httpx.Client:
    """A client whose requests come from ``address`` (the hub reads it from X-Real-IP here)."""
    return httpx.Client(base_url=live_server.url, timeout=30, headers={"X-Real-IP": address})


def _refusal_text(answer) -> str:
    return f"{answer.message} {(answer.data or {}).get('msg', '')}"


def test_repeated_failures_lock_the_app_id_from_that_address(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 3
    app, secret = registered_app("app-brute")
    for _ in range(3):
        assert call(http, REGISTER, params(app, secret, appSecret="guess"), account=app.app_id).status == "2034"
    limited = call(http, REGISTER, params(app, secret), account=app.app_id)  # even the right secret
    assert limited.status == "2021"
    assert limited.data["code"] == 0
    assert "请于" in _refusal_text(limited) and "后重试" in _refusal_text(limited)
    assert not AccessToken.objects.exists()
    # Another application from the same address is not affected by this appId's limit.
    other, other_secret = registered_app("app-innocent")
    assert call(http, REGISTER, params(other, other_secret), account=other.app_id).status == "0"


def test_a_strangers_failures_do_not_lock_out_the_applications_own_address(live_server, settings):
    settings.YSJ_CLIENT_IP_HEADER = "X-Real-IP"
    app, secret = registered_app("app-victim")
    with _from(live_server, "203.0.113.66") as stranger, _from(live_server, "198.51.100.10") as own:
        statuses = [call(stranger, REGISTER, params(app, secret, appSecret=f"guess-{n}"), account=app.app_id).status
                    for n in range(8)]
        assert statuses == ["2034"] * 5 + ["2021"] * 3
        # The stranger is locked out even with the right secret; the application's own address is not.
        assert call(stranger, REGISTER, params(app, secret), account=app.app_id).status == "2021"
        assert call(own, REGISTER, params(app, secret), account=app.app_id).status == "0"
    assert RegistrationThrottle.objects.get(app_id=app.app_id, client="203.0.113.66").is_locked()
    assert RegistrationThrottle.objects.get(app_id=app.app_id, client="198.51.100.10").failures == 0


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


def _waits_for_writers() -> bool:
    """PostgreSQL makes concurrent writers wait; SQLite's in-memory test database refuses them
    ("table is locked"), so there some guesses fail outright: still at most five are checked."""
    return connection.vendor != "sqlite"


def test_concurrent_wrong_secrets_are_checked_at_most_five_times(live_server, settings):
    """Twelve guesses at once from one address: the count is taken before the check, so five are checked.

    PostgreSQL only: with SQLite's in-memory test database the live server's threads share the
    test's one connection, so concurrent requests would race on that connection itself (and leave
    it in a state that breaks later tests). The service-level test below covers SQLite.
    """
    if not _waits_for_writers():
        pytest.skip("concurrent requests to the live server need a database with one connection per thread")
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 5
    app, secret = registered_app("app-burst")
    start = threading.Barrier(12)

    def guess(n: int) -> str:
        with httpx.Client(base_url=live_server.url, timeout=60) as client:
            start.wait()
            return call(client, REGISTER, params(app, secret, appSecret=f"guess-{n}"), account=app.app_id).status

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(guess, range(12)))
    checked = RegistrationAttempt.objects.filter(app_id=app.app_id, reason="bad_secret").count()
    assert not AccessToken.objects.exists()
    assert (checked, statuses.count("2034"), statuses.count("2021")) == (5, 5, 7)
    assert RegistrationThrottle.objects.get(app_id=app.app_id, client="127.0.0.1").is_locked()


def test_concurrent_attempts_through_the_service_are_counted_before_the_check(settings):
    """The same, on the service alone, with its own database connection per thread."""
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 5
    app, secret = registered_app("app-burst-service")
    start = threading.Barrier(12)

    def guess(n: int) -> str:
        try:
            start.wait()
            services.register_application(
                account_id=app.app_id, app_id=app.app_id, app_secret=f"guess-{n}",
                corp_name=app.corp_name, corp_code=app.corp_code, ip="192.0.2.5",
            )
            return "0"
        except EnvelopeError as exc:
            return exc.status.code
        except DatabaseError:
            return "database"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(guess, range(12)))
    checked = RegistrationAttempt.objects.filter(app_id=app.app_id, reason="bad_secret").count()
    assert checked <= 5 and statuses.count("2034") <= 5
    if _waits_for_writers():
        assert sorted(statuses) == ["2021"] * 7 + ["2034"] * 5


def test_locks_grow_after_the_free_failures(settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 5
    settings.YSJ_REGISTER_LOCK_SECONDS = 60
    settings.YSJ_REGISTER_LOCK_MAX_SECONDS = 200
    settings.YSJ_REGISTER_FAILURE_WINDOW = 900
    now = timezone.now()
    for n in range(4):
        throttle.reserve("app-slow", "192.0.2.9", now=now + dt.timedelta(seconds=n))
    throttle.reserve("app-slow", "192.0.2.9", now=now + dt.timedelta(seconds=4))  # the fifth: locks for 60 s
    with pytest.raises(throttle.Locked) as first:
        throttle.reserve("app-slow", "192.0.2.9", now=now + dt.timedelta(seconds=30))
    assert first.value.until == now + dt.timedelta(seconds=64)
    # After each lock one more attempt is counted, and its failure locks twice as long, up to the maximum.
    moment = now + dt.timedelta(seconds=65)
    for expected in (120, 200, 200):
        throttle.reserve("app-slow", "192.0.2.9", now=moment)
        with pytest.raises(throttle.Locked) as locked:
            throttle.reserve("app-slow", "192.0.2.9", now=moment + dt.timedelta(seconds=1))
        assert locked.value.until == moment + dt.timedelta(seconds=expected)
        moment = locked.value.until + dt.timedelta(seconds=1)
    # Another address is free, and a long quiet spell forgets the history.
    throttle.reserve("app-slow", "192.0.2.10", now=moment)
    quiet = moment + dt.timedelta(seconds=901)
    for n in range(4):
        throttle.reserve("app-slow", "192.0.2.9", now=quiet + dt.timedelta(seconds=n))
    row = RegistrationThrottle.objects.get(app_id="app-slow", client="192.0.2.9")
    assert (row.failures, row.lockouts, row.locked_until) == (4, 0, None)


def test_rate_limited_answer_says_when_to_retry(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 1
    settings.YSJ_REGISTER_LOCK_SECONDS = 600
    app, secret = registered_app("app-when")
    call(http, REGISTER, params(app, secret, appSecret="guess"), account=app.app_id)
    limited = call(http, REGISTER, params(app, secret), account=app.app_id)
    row = RegistrationThrottle.objects.get(app_id=app.app_id, client="127.0.0.1")
    assert limited.status == "2021"
    assert services.format_time(row.locked_until) in _refusal_text(limited)
    assert "约 10 分钟" in _refusal_text(limited)
    assert RegistrationAttempt.objects.filter(app_id=app.app_id, reason="rate_limited").count() == 1


def test_operator_unlocks_with_the_command(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 1
    app, secret = registered_app("app-unlock")
    call(http, REGISTER, params(app, secret, appSecret="guess"), account=app.app_id)
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "2021"
    out = io.StringIO()
    call_command("unlock_registration", "--app-id", app.app_id, stdout=out)
    assert "1" in out.getvalue()
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "0"


def test_operator_unlocks_an_address_with_the_command(http, settings):
    settings.YSJ_REGISTER_MAX_FAILURES_PER_IP = 1
    app, secret = registered_app("app-unlock-ip")
    call(http, REGISTER, params(app, secret, appSecret="guess"), account=app.app_id)
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "2021"
    call_command("unlock_registration", "--client", "127.0.0.1", stdout=io.StringIO())
    assert call(http, REGISTER, params(app, secret), account=app.app_id).status == "0"


def test_unlock_command_needs_an_app_id_or_an_address(db):
    with pytest.raises(CommandError):
        call_command("unlock_registration", stdout=io.StringIO())


def test_a_provinces_relay_is_throttled_per_application_not_as_one_address(settings):
    """A province relays all its applications' registrations from one address: applications failing
    again and again must not lock the province's others out, as an anonymous address would be."""
    settings.YSJ_REGISTER_MAX_FAILURES_PER_APP = 5
    settings.YSJ_REGISTER_MAX_FAILURES_PER_IP = 20
    failing = [registered_app(f"app-relay-failing-{n}", region="SH")[0] for n in range(5)]
    other, other_secret = registered_app("app-relay-other", region="SH")
    province = other.region

    def relayed(app: TrustedApplication, secret: str, ip: str = "192.0.2.77") -> str:
        try:
            services.register_application(
                account_id="region-SH", app_id=app.app_id, app_secret=secret, corp_name=app.corp_name,
                corp_code=app.corp_code, ip=ip, relaying_region=province,
            )
            return "0"
        except EnvelopeError as exc:
            return exc.status.code

    for app in failing:
        statuses = [relayed(app, f"guess-{n}") for n in range(7)]
        assert statuses == ["2034"] * 5 + ["2021"] * 2
        assert RegistrationThrottle.objects.get(app_id=app.app_id, client="relay:SH").is_locked()
    # 25 failures through the province: its other applications still register.
    assert relayed(other, other_secret) == "0"
    assert not RegistrationThrottle.objects.filter(client="192.0.2.77").exists()
    # The same failures from an anonymous address lock that address for every appId.
    for n in range(20):
        throttle.reserve(f"app-anon-{n}", "192.0.2.78")
    with pytest.raises(throttle.Locked):
        throttle.reserve("app-anon-next", "192.0.2.78")
