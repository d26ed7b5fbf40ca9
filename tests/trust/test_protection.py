"""Protected storage of numbers, masking in logs, demo applications and housekeeping."""

import datetime as dt
import logging
import stat

import pytest
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from trust import demo, protect
from trust.models import AcceptedServiceCode, AccessToken, HolderToken, TrustedApplication
from trust.tasks import purge_expired
from ysj_protocol.logmask import MaskIdentifiersFilter, mask_text

from ..factories import ApplicationFactory, all_regions
from .factories import access_token, holder_token
from .holders import PERSON


def test_sealed_values_round_trip_and_are_bound_to_their_purpose(settings):
    settings.YSJ_DATA_KEY = "00112233445566778899aabbccddeeff"
    sealed = protect.seal(PERSON["idCard"], "holder_code")
    assert sealed.startswith("sm4gcm1:") and PERSON["idCard"] not in sealed
    assert protect.seal(PERSON["idCard"], "holder_code") != sealed  # fresh nonce each time
    assert protect.unseal(sealed, "holder_code") == PERSON["idCard"]
    with pytest.raises(ValueError):
        protect.unseal(sealed, "phone")
    tampered = sealed[:-2] + ("00" if sealed[-2:] != "00" else "11")
    with pytest.raises(ValueError):
        protect.unseal(tampered, "holder_code")
    settings.YSJ_DATA_KEY = "ffeeddccbbaa99887766554433221100"
    with pytest.raises(ValueError):
        protect.unseal(sealed, "holder_code")


@pytest.mark.parametrize("value", ["zz", "0011"])
def test_a_bad_data_key_is_a_configuration_error(settings, value):
    settings.YSJ_DATA_KEY = value
    with pytest.raises(ImproperlyConfigured):
        protect.seal("x", "holder_code")


@pytest.mark.django_db
def test_a_database_dump_does_not_reveal_numbers():
    application = ApplicationFactory(app_id="app-dump")
    holder_token(application)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM trust_holdertoken")
        dump = repr(cursor.fetchall())
    assert PERSON["idCard"] not in dump and PERSON["idCard"][6:14] not in dump


def test_log_lines_are_masked():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "holder %s phone %s", (PERSON["idCard"], "13800138000"),
                               None)
    MaskIdentifiersFilter().filter(record)
    assert record.getMessage() == f"holder {PERSON['idCard'][:6]}********{PERSON['idCard'][-4:]} phone 138****8000"
    assert mask_text("order 20240101000012345678") == "order 20240101000012345678"  # longer digit runs kept
    try:
        raise ValueError(f"bad {PERSON['idCard']}")
    except ValueError:
        import sys

        failing = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    MaskIdentifiersFilter().filter(failing)
    assert PERSON["idCard"] not in failing.exc_text


@pytest.mark.parametrize(
    "token",
    [
        "ac05a032742d4dd68760f13142394939",  # a request ID (hex) with a mobile-like run inside
        "f3b2c1a0110101199003077777e5d4c3",  # a hex token with an identity-like run inside
        "8d3e0c1a-4b2f-4c6d-9e1f-a13812345678",  # a UUID whose last group ends like a mobile
        "order_20240101000012345678",
    ],
)
def test_tokens_that_contain_number_runs_are_left_whole(token):
    assert mask_text(f"call {token} done") == f"call {token} done"


def test_numbers_next_to_chinese_text_or_punctuation_are_masked():
    assert mask_text("手机13800138000，身份证110101199003077777。") == (
        "手机138****8000，身份证110101********7777。"
    )
    assert mask_text('{"idCard":"110101199003077777","phone":"13800138000"}') == (
        '{"idCard":"110101********7777","phone":"138****8000"}'
    )


@pytest.mark.django_db
def test_demo_applications_are_idempotent(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    all_regions()
    first = dict(demo.load_applications())
    assert set(first) == {"app-sh-counter", "app-js-counter", "app-zj-counter", "app-ah-counter"}
    second = dict(demo.load_applications())
    assert first == second
    application = TrustedApplication.objects.get(app_id="app-sh-counter")
    assert check_password(first["app-sh-counter"], application.secret_hash)
    key_file = tmp_path / "keys" / "apps" / "app-sh-counter.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert demo.app_key("app-sh-counter").public_key.hex() == application.public_key
    assert first["app-sh-counter"] not in application.secret_hash


@pytest.mark.django_db
def test_demo_applications_only_for_existing_regions(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert demo.load_applications() == []


@pytest.mark.django_db
def test_purge_keeps_what_checks_still_need():
    application = ApplicationFactory(app_id="app-purge")
    live, old = access_token(application), access_token(application)
    AccessToken.objects.exclude(prefix=live[:10]).update(expires_at=timezone.now() - dt.timedelta(days=8))
    holder_token(application, expired=True)
    now = timezone.now()
    AcceptedServiceCode.objects.create(nonce_hash="a" * 64, code_type="suishenma", region_code="SH",
                                       application=application, expires_at=now - dt.timedelta(seconds=1))
    AcceptedServiceCode.objects.create(nonce_hash="b" * 64, code_type="suishenma", region_code="SH",
                                       application=application, expires_at=now + dt.timedelta(minutes=5))
    result = purge_expired()
    assert result["service_codes"] == 1 and result["access_tokens"] == 1
    assert AccessToken.objects.count() == 1 and HolderToken.objects.count() == 1
    assert AcceptedServiceCode.objects.get().nonce_hash == "b" * 64
    assert old != live
