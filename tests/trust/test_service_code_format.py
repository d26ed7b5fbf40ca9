"""The demo service-code format of ysj_protocol.service_code: issue, parse, verify, refuse."""

import base64
import datetime as dt
import json

import pytest

from ysj_protocol import service_code as sc
from ysj_protocol.crypto import sm2

from ..keys import key_for
from .holders import CORPORATION, PERSON, wrong_check_digit

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
CERT = {
    "certificateRef": "sh-ref-1",
    "certificateType": "居民户口簿",
    "certificateTypeCode": "111",
    "issueDept": "上海市公安局",
    "certificateNumber": "310000-001",
    "issueDate": "2020-01-01",
}


def sh_key() -> sm2.PrivateKey:
    return key_for("region-SH")


def test_every_type_round_trips():
    assert len(sc.CODE_TYPES) == 8
    for type_id, info in sc.CODE_TYPES.items():
        region = info.region or "ZJ"
        key = key_for(f"region-{region}")
        claims = CORPORATION if info.holder_kind == "corporation" else {**PERSON, "certificates": [CERT]}
        text = sc.issue_service_code(type_id, region, key, claims, now=NOW)
        parsed = sc.parse_service_code(text)
        sc.verify_service_code(parsed, key.public_key, now=NOW + dt.timedelta(seconds=10))
        assert (parsed.code_type, parsed.region_code) == (type_id, region)
        assert parsed.holder_code == claims.get("idCard", claims.get("uscc"))
        assert parsed.expires_at - parsed.issued_at == dt.timedelta(seconds=300)
        assert len(parsed.nonce) == 32


def test_division_code_is_accepted_as_region():
    text = sc.issue_service_code("yrd_license_qr", "340000", key_for("region-AH"), PERSON, now=NOW)
    assert sc.parse_service_code(text).region_code == "AH"


def test_expired_and_future_codes_are_refused():
    text = sc.issue_service_code("suishenma", "SH", sh_key(), PERSON, ttl_seconds=60, now=NOW)
    parsed = sc.parse_service_code(text)
    with pytest.raises(sc.ExpiredServiceCode):
        sc.verify_service_code(parsed, sh_key().public_key, now=NOW + dt.timedelta(seconds=60))
    with pytest.raises(sc.ExpiredServiceCode):
        sc.verify_service_code(parsed, sh_key().public_key, now=NOW - dt.timedelta(minutes=5))


def test_wrong_key_and_altered_payload_are_forgeries():
    text = sc.issue_service_code("suishenma", "SH", sh_key(), PERSON, now=NOW)
    with pytest.raises(sc.ForgedServiceCode):
        sc.verify_service_code(sc.parse_service_code(text), key_for("region-JS").public_key, now=NOW)
    prefix, type_id, region, payload, signature = text.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["exp"] += 3600
    forged_payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    forged = ".".join([prefix, type_id, region, forged_payload, signature])
    with pytest.raises(sc.ForgedServiceCode):
        sc.verify_service_code(sc.parse_service_code(forged), sh_key().public_key, now=NOW)


@pytest.mark.parametrize(
    "text",
    ["", "hello", "YSJSC1.suishenma.SH.e30", "YSJSC1.suishenma.SH.!!.AA", "YSJSC2.suishenma.SH.e30.AA",
     "YSJSC1.suishenma.BJ.e30." + "A" * 86, "YSJSC1.suishenma.SH.e30." + "A" * 10, "x" * 5000],
)
def test_malformed_codes(text):
    with pytest.raises(sc.MalformedServiceCode):
        sc.parse_service_code(text)


def test_unknown_type_and_wrong_region():
    with pytest.raises(sc.UnknownServiceCodeType):
        sc.parse_service_code("YSJSC1.beijingma.SH.e30." + "A" * 86)
    with pytest.raises(sc.MalformedServiceCode, match="只能由 SH 签发"):
        sc.issue_service_code("suishenma", "JS", key_for("region-JS"), PERSON, now=NOW)


@pytest.mark.parametrize(
    "claims",
    [
        {"name": "张三"},
        {"name": "", "idCard": PERSON["idCard"]},
        {"name": "张三", "idCard": wrong_check_digit(PERSON["idCard"])},
        {"name": "张三", "idCard": PERSON["idCard"], "uscc": CORPORATION["uscc"]},
        {"name": "张三", "idCard": PERSON["idCard"], "phone": "call me"},
        {"name": "张三", "idCard": PERSON["idCard"], "certificates": [{"certificateRef": "x"}]},
    ],
)
def test_invalid_claims_are_refused_when_issuing(claims):
    with pytest.raises(sc.MalformedServiceCode):
        sc.issue_service_code("suishenma", "SH", sh_key(), claims, now=NOW)


def test_business_licence_code_needs_a_credit_code():
    with pytest.raises(sc.MalformedServiceCode):
        sc.issue_service_code("e_business_license", "SH", sh_key(), PERSON, now=NOW)


@pytest.mark.parametrize("written", ["2020/1/1", "20200101", "2020年1月1日", "2020-01-01T00:00:00+08:00"])
def test_issue_dates_of_claimed_certificates_are_read_in_the_profiles_one_form(written):
    claims = {**PERSON, "certificates": [{**CERT, "issueDate": written}]}
    text = sc.issue_service_code("suishenma", "SH", sh_key(), claims, now=NOW)
    assert sc.parse_service_code(text).certificates[0]["issueDate"] == "2020-01-01"
    # A region's own issuer signs the date as it wrote it; the reader normalises what it verifies.
    prefix, type_id, region, payload, _ = text.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["claims"]["certificates"][0]["issueDate"] = written
    raw = base64.urlsafe_b64encode(json.dumps(body, ensure_ascii=False).encode()).rstrip(b"=").decode()
    signed = ".".join([prefix, type_id, region, raw])
    signature = base64.urlsafe_b64encode(sm2.sign(sh_key(), signed.encode("ascii"))).rstrip(b"=").decode()
    parsed = sc.parse_service_code(f"{signed}.{signature}")
    sc.verify_service_code(parsed, sh_key().public_key, now=NOW)
    assert parsed.certificates[0]["issueDate"] == "2020-01-01"


def test_an_unreadable_issue_date_makes_the_code_malformed():
    claims = {**PERSON, "certificates": [{**CERT, "issueDate": "去年"}]}
    with pytest.raises(sc.MalformedServiceCode, match="issueDate"):
        sc.issue_service_code("suishenma", "SH", sh_key(), claims, now=NOW)
