"""Demo government service codes issued by a node and checked with the region's public key (12.2.2)."""

from __future__ import annotations

import pytest

from catalog.demo import ENTRIES as DEMO_CATALOG
from regional_node.demo import DEMO_COMPANY, DEMO_HOLDERS, DEMO_PERSON, VALID, certificates_of
from ysj_protocol import status as st
from ysj_protocol.service_code import ForgedServiceCode, parse_service_code, verify_service_code

from .helpers import post_json

ISSUE = "/api/v1/service-codes/issue"
#: The demo's shared codes by type name (catalog.demo), published to the nodes by tests.regional.
SHARED = {name: code for code, name, *_ in DEMO_CATALOG}


def test_a_person_gets_the_region_s_code_signed_by_the_region(regional_nodes):
    node = regional_nodes["JS"]
    response = post_json(node.url + ISSUE, {"holderCode": DEMO_PERSON.code, "withCertificates": True})
    assert response.status_code == 200
    answer = response.json()
    assert answer["codeType"] == "sufuma"
    parsed = parse_service_code(answer["serviceCode"])
    verify_service_code(parsed, node.public_key)
    assert parsed.region_code == "JS"
    assert parsed.holder_code == DEMO_PERSON.code
    assert parsed.holder_name == DEMO_PERSON.name
    valid_refs = {c.ref for c in certificates_of(DEMO_PERSON, "JS") if c.status == "valid"}
    assert {c["certificateRef"] for c in parsed.claims["certificates"]} == valid_refs
    with pytest.raises(ForgedServiceCode):
        verify_service_code(parsed, regional_nodes["SH"].public_key)


def test_a_company_gets_an_electronic_business_licence_code(regional_nodes):
    node = regional_nodes[DEMO_COMPANY.home_region]
    answer = post_json(node.url + ISSUE, {"holderCode": DEMO_COMPANY.code}).json()
    assert answer["codeType"] == "e_business_license"
    assert parse_service_code(answer["serviceCode"]).holder_code_type == "统一社会信用代码"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"holderCode": "110101199003077777"}, "无此持证主体"),
        ({"holderCode": DEMO_PERSON.code, "codeType": "anhuima"}, "anhuima"),
        ({"holderCode": DEMO_PERSON.code, "ttlSeconds": -5}, "ttlSeconds"),
        ({"holder": DEMO_PERSON.code}, "holderCode"),
    ],
)
def test_refusals(regional_nodes, body, fragment):
    response = post_json(regional_nodes["SH"].url + ISSUE, body)
    assert response.status_code == 400
    assert response.json()["status"] == st.INVALID_PARAMETERS.code
    assert fragment in response.json()["message"]


def test_the_endpoint_does_not_exist_unless_enabled(solo_node):
    response = post_json(solo_node.url + ISSUE, {"holderCode": DEMO_PERSON.code})
    assert response.status_code == 404


def test_the_management_command_issues_codes_too(regional_nodes):
    text = (
        regional_nodes["SH"].manage("issue_service_code", DEMO_PERSON.code, "--type", "sh_license_qr").strip()
    )
    verify_service_code(parse_service_code(text), regional_nodes["SH"].public_key)


def test_the_certificates_are_claimed_under_their_shared_codes(regional_nodes):
    node = regional_nodes["JS"]
    answer = post_json(node.url + ISSUE, {"holderCode": DEMO_PERSON.code, "withCertificates": True}).json()
    claimed = parse_service_code(answer["serviceCode"]).claims["certificates"]
    local = {c.ref: c for c in certificates_of(DEMO_PERSON, "JS") if c.status == VALID}
    assert claimed
    for item in claimed:
        assert item["certificateTypeCode"] == SHARED[local[item["certificateRef"]].type_name]
        assert item["certificateTypeCode"] != local[item["certificateRef"]].type_code


def test_a_type_without_a_catalog_entry_is_not_claimed(regional_nodes):
    # 建筑业企业资质证书 (313) has no entry in the demo's shared catalog.
    company = next(
        h for h in DEMO_HOLDERS
        if any(c.type_code == "313" and c.status == VALID for c in certificates_of(h, h.home_region))
    )
    node = regional_nodes[company.home_region]
    answer = post_json(node.url + ISSUE, {"holderCode": company.code, "withCertificates": True}).json()
    claimed = parse_service_code(answer["serviceCode"]).claims["certificates"]
    assert claimed, "the company holds certificates of published types too"
    assert "建筑业企业资质证书" not in {item["certificateType"] for item in claimed}
    assert {item["certificateTypeCode"] for item in claimed} <= set(SHARED.values())
