"""12.2.3 over real HTTP: every authType with and without its fields, check digits, transactionId."""

import datetime as dt

import pytest

from trust.models import AcceptedServiceCode, HolderToken
from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.sm3 import sm3_hex

from ..factories import ApplicationFactory, RegionFactory
from ..keys import hub_key, key_for
from .factories import access_token, call, service_code
from .holders import CORPORATION, PERSON, resident_id, wrong_check_digit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.trust.urls")]

HOLDER_TOKENS = "/api/v1/trust/holder-tokens"


@pytest.fixture
def app():
    RegionFactory(code="SH")
    return ApplicationFactory(app_id="app-counter")


def ask(http, app, params, *, token=None):
    return call(http, HOLDER_TOKENS, params, account=app.app_id, token=token or access_token(app))


def by_id(auth_type: str, transaction_id: str = "T-1", **extra) -> dict:
    return {"transactionId": transaction_id, "authType": auth_type, "idType": 1, "idNo": PERSON["idCard"],
            "name": PERSON["name"]} | extra


@pytest.mark.parametrize("auth_type", ["1", "2"])
def test_identity_auth_types_issue_a_bound_token(http, app, auth_type):
    answer = ask(http, app, by_id(auth_type, permission="info，search", location="浦东新区政务服务中心"))
    assert answer.status == "0" and answer.data["code"] == 1
    token = answer.data["trustedToken"]
    row = HolderToken.objects.get()
    assert row.token_hash == sm3_hex(token.encode()) and row.application == app
    assert (row.auth_type, row.permission, row.location) == (auth_type, "info,search", "浦东新区政务服务中心")
    assert row.holder_code_masked == PERSON["idCard"][:6] + "********" + PERSON["idCard"][-4:]
    assert PERSON["idCard"] not in row.holder_code_sealed + row.holder_key
    assert row.expires_at - row.issued_at == dt.timedelta(seconds=1800)
    # The token is usable and yields the holder it was issued for.
    probe = call(http, "/test/probe", {"trustedToken": token}, account=app.app_id, token=access_token(app))
    assert probe.data["holder"]["code"] == PERSON["idCard"]


@pytest.mark.parametrize("auth_type", ["1", "2"])
@pytest.mark.parametrize(
    ("drop", "field"), [("idNo", "idNo"), ("idType", "idType")]
)
def test_identity_auth_types_need_id_type_and_number(http, app, auth_type, drop, field):
    params = by_id(auth_type)
    del params[drop]
    answer = ask(http, app, params)
    assert (answer.http_status, answer.status) == (200, "1007")
    assert field in answer.message and answer.data["code"] == 0
    assert not HolderToken.objects.exists()


@pytest.mark.parametrize(
    "id_no",
    [wrong_check_digit(PERSON["idCard"]), PERSON["idCard"][:17], "31010119901307123X", resident_id("31010130000101123"),
     "abcdefghijklmnopqr"],
    ids=["check-digit", "short", "bad-month", "future-birth", "letters"],
)
def test_invalid_identity_numbers_are_refused(http, app, id_no):
    answer = ask(http, app, by_id("2", idNo=id_no))
    assert answer.status == "1007" and "idNo" in answer.message
    assert not HolderToken.objects.exists()


def test_only_resident_identity_cards_are_accepted(http, app):
    answer = ask(http, app, by_id("1", idType=2))
    assert answer.status == "1007" and "idType" in answer.message


def test_unknown_auth_type(http, app):
    assert ask(http, app, by_id("4")).status == "1007"


def test_identity_number_may_come_encrypted_with_the_hub_key(http, app):
    sealed = sm2.encrypt_hex(hub_key().public_key, PERSON["idCard"].encode())
    assert ask(http, app, by_id("2", idNo=sealed)).status == "0"
    foreign = sm2.encrypt_hex(key_for("someone").public_key, PERSON["idCard"].encode())
    answer = ask(http, app, by_id("2", transaction_id="T-2", idNo=foreign))
    assert answer.status == "1007" and "解密" in answer.message


def test_identity_number_may_come_encrypted_in_the_der_form(http, app):
    """GM/T 0009 DER, as OpenSSL 3, GmSSL and Bouncy Castle write it, like the envelope itself."""
    sealed = sm2.encrypt_der(hub_key().public_key, PERSON["idCard"].encode()).hex()
    assert ask(http, app, by_id("2", idNo=sealed)).status == "0"
    answer = ask(http, app, by_id("2", transaction_id="T-3", idNo="zz" * 60))
    assert answer.status == "1007" and "idNo" in answer.message


def test_qr_code_auth_type_takes_the_holder_from_the_code(http, app):
    answer = ask(http, app, {"transactionId": "T-QR", "authType": "3", "qrCode": service_code()})
    assert answer.status == "0"
    row = HolderToken.objects.get()
    assert (row.holder_name, row.service_code_type, row.service_code_region) == (PERSON["name"], "suishenma", "SH")
    assert row.phone_masked == "138****8000" and PERSON["phone"] not in row.phone_sealed


def test_business_licence_code_gives_a_corporation_token(http, app):
    code = service_code("e_business_license", "SH", CORPORATION)
    assert ask(http, app, {"transactionId": "T-EBL", "authType": "3", "qrCode": code}).status == "0"
    assert HolderToken.objects.get().holder_code_type == "统一社会信用代码"


def test_qr_code_auth_type_needs_the_code(http, app):
    answer = ask(http, app, {"transactionId": "T-QR", "authType": "3"})
    assert answer.status == "1007" and "qrCode" in answer.message


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: service_code(now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)), "4012"),
        (lambda: service_code("suishenma", "SH").rsplit(".", 1)[0] + "." + "A" * 86, "4013"),
        (lambda: "YSJSC1.beijingma.SH.e30." + "A" * 86, "4011"),
        (lambda: "not a code at all", "4011"),
    ],
    ids=["expired", "forged", "unknown-type", "garbage"],
)
def test_bad_qr_codes_are_refused(http, app, make, code):
    answer = ask(http, app, {"transactionId": "T-QR", "authType": "3", "qrCode": make()})
    assert answer.status == code and answer.data["code"] == 0
    assert not HolderToken.objects.exists() and not AcceptedServiceCode.objects.exists()


def test_a_code_signed_by_another_region_is_forged(http, app):
    from ysj_protocol.service_code import issue_service_code

    code = issue_service_code("suishenma", "SH", key_for("region-JS"), PERSON)
    assert ask(http, app, {"transactionId": "T-QR", "authType": "3", "qrCode": code}).status == "4013"


def test_repeated_transaction_id_is_refused_without_a_second_token(http, app):
    assert ask(http, app, by_id("2")).status == "0"
    again = ask(http, app, by_id("2"))
    assert (again.http_status, again.status) == (200, "4021")
    assert again.data["code"] == 0
    assert HolderToken.objects.count() == 1
    # Another application may use the same transaction number.
    other = ApplicationFactory(app_id="app-other")
    assert ask(http, other, by_id("2")).status == "0"


def test_refused_repeat_does_not_consume_the_service_code(http, app):
    assert ask(http, app, by_id("2", transaction_id="T-9")).status == "0"
    code = service_code()
    assert ask(http, app, {"transactionId": "T-9", "authType": "3", "qrCode": code}).status == "4021"
    assert not AcceptedServiceCode.objects.exists()
    assert ask(http, app, {"transactionId": "T-10", "authType": "3", "qrCode": code}).status == "0"
    assert ask(http, app, {"transactionId": "T-11", "authType": "3", "qrCode": code}).status == "4014"


def test_holder_tokens_need_the_access_token(http, app):
    answer = call(http, HOLDER_TOKENS, by_id("2"), account=app.app_id)
    assert answer.status == "2001" and answer.data["code"] == 0
