"""12.2.2 over real HTTP: the eight code types decoded, table 10's answer, and every refusal."""

import datetime as dt

import pytest

from sharing.certificate_ids import resolve_certificate_id
from trust.models import AcceptedServiceCode, HolderToken, Region
from ysj_protocol.service_code import CODE_TYPES

from ..catalog.factories import gb_type_code
from ..factories import ApplicationFactory, RegionFactory, all_regions
from .factories import (
    AUDIT,
    SHARED_CODES,
    access_token,
    call,
    catalog_entry,
    demo_catalog_entry,
    live_scenario,
    service_code,
)
from .holders import CORPORATION, PERSON

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.trust.urls")]

VERIFY = "/api/v1/trust/service-codes/verify"
HK_CODE, DRIVE_CODE = gb_type_code(101), gb_type_code(103)
HK = {"certificateRef": "ref-hk-1", "certificateType": "居民户口簿", "certificateTypeCode": HK_CODE,
      "issueDept": "上海市公安局", "certificateNumber": "HK-0001", "issueDate": "2019-05-01"}
DRIVE = {"certificateRef": "ref-dr-1", "certificateType": "机动车驾驶证", "certificateTypeCode": DRIVE_CODE,
         "issueDept": "上海市公安局交通警察总队", "certificateNumber": "DR-0001", "issueDate": "2018-01-01"}


@pytest.fixture
def app():
    all_regions()
    application = ApplicationFactory(app_id="app-scan")
    live_scenario("SCN-HOUSING", [catalog_entry(HK_CODE, "居民户口簿")], [application])
    catalog_entry(DRIVE_CODE, "机动车驾驶证")
    return application


def verify(http, app, qr_code, item_code="SCN-HOUSING", **kw):
    return call(http, VERIFY, {"qrCode": qr_code, "itemCode": item_code, **AUDIT}, account=app.app_id,
                token=kw.pop("token", None) or access_token(app), **kw)


def test_answer_has_user_info_token_and_ten_minute_certificate_ids(http, app):
    answer = verify(http, app, service_code(claims={**PERSON, "certificates": [HK, DRIVE]}))
    assert answer.status == "0", answer.message
    info = answer.data["userInfo"]
    assert (info["userName"], info["idCard"], info["phone"]) == (PERSON["name"], PERSON["idCard"], PERSON["phone"])
    # Only the certificate whose type the scenario list allows is listed.
    assert [c["certificateType"] for c in answer.data["certificateList"]] == ["居民户口簿"]
    item = answer.data["certificateList"][0]
    assert item["certificateID"] == item["certificateId"]
    assert (item["issueDept"], item["certificateNumber"], item["issueDate"]) == ("上海市公安局", "HK-0001", "2019-05-01")
    row = resolve_certificate_id(item["certificateID"], application=app, scenario_code="SCN-HOUSING")
    assert row.certificate_ref == "ref-hk-1" and row.region.code == "SH"
    assert dt.timedelta(minutes=9) < row.expires_at - row.issued_at <= dt.timedelta(minutes=10)
    # The trusted token works for the calls that follow.
    probe = call(http, "/test/probe", {"trustedToken": info["trustedToken"]}, account=app.app_id,
                 token=access_token(app))
    assert probe.data["holder"]["code"] == PERSON["idCard"]
    assert HolderToken.objects.get().auth_type == "sc"


@pytest.mark.parametrize("code_type", sorted(CODE_TYPES))
def test_every_code_type_is_decoded(http, app, code_type):
    info = CODE_TYPES[code_type]
    claims = CORPORATION if info.holder_kind == "corporation" else PERSON
    answer = verify(http, app, service_code(code_type, info.region or "AH", claims))
    assert answer.status == "0", answer.message
    assert answer.data["userInfo"]["idCard"] == claims.get("idCard", claims.get("uscc"))


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: service_code(now=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)), "4012"),
        (lambda: service_code(ttl_seconds=60, now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)), "4012"),
        (lambda: service_code().rsplit(".", 1)[0] + "." + "B" * 86, "4013"),
        (lambda: "YSJSC1.hangzhouma.ZJ.e30." + "A" * 86, "4011"),
        (lambda: "https://example.com/not-a-code", "4011"),
        (lambda: "YSJSC1.suishenma.SH.!!!.AAAA", "4011"),
    ],
    ids=["expired", "future", "forged", "unknown-type", "foreign-text", "malformed"],
)
def test_bad_codes_are_refused_and_nothing_is_written(http, app, make, code):
    answer = verify(http, app, make())
    assert answer.status == code, answer.message
    assert answer.http_status == 200  # the refusal is head.status (12.1.2)
    assert not HolderToken.objects.exists() and not AcceptedServiceCode.objects.exists()


def test_replayed_code_is_refused(http, app):
    code = service_code(claims={**PERSON, "certificates": [HK]})
    assert verify(http, app, code).status == "0"
    again = verify(http, app, code)
    assert (again.http_status, again.status) == (200, "4014")
    assert HolderToken.objects.count() == 1


def test_code_of_an_inactive_region_is_refused(http, app):
    region = Region.objects.get(code="JS")
    region.is_active = False
    region.save(update_fields=["is_active"])
    answer = verify(http, app, service_code("sufuma", "JS"))
    assert answer.status == "4011" and "JS" in answer.message


def test_scenario_checks_apply(http, app):
    other = ApplicationFactory(app_id="app-unlisted", region=RegionFactory(code="ZJ"))
    assert verify(http, other, service_code()).status == "3003"
    assert verify(http, app, service_code(), item_code="SCN-NONE").status == "3001"
    assert not HolderToken.objects.exists()


def test_access_token_is_required(http, app):
    answer = verify(http, app, service_code(), token="yat_wrong")
    assert answer.status == "2002"


def test_claims_are_matched_by_their_shared_codes_only(http):
    """The demo's shape: the list carries the shared code; a claim under a region's local code
    (112) is not listed, since translating local codes is the issuing region's (or its decoder's)
    business, not a guess of the hub's."""
    all_regions()
    application = ApplicationFactory(app_id="app-shared")
    live_scenario("SCN-DRIVE", [demo_catalog_entry("机动车驾驶证")], [application])
    shared = {**DRIVE, "certificateTypeCode": SHARED_CODES["机动车驾驶证"]}
    local = {**DRIVE, "certificateRef": "ref-dr-2", "certificateNumber": "DR-0002", "certificateTypeCode": "112"}
    answer = verify(http, application, service_code(claims={**PERSON, "certificates": [local, shared]}),
                    item_code="SCN-DRIVE")
    assert answer.status == "0", answer.message
    assert [c["certificateNumber"] for c in answer.data["certificateList"]] == ["DR-0001"]
    row = resolve_certificate_id(answer.data["certificateList"][0]["certificateID"], application=application)
    assert row.certificate_type_code == SHARED_CODES["机动车驾驶证"]
