"""The provider side of fused search and retrieval, over real HTTP and real envelopes."""

from __future__ import annotations

import pytest

from catalog.demo import ENTRIES as DEMO_CATALOG
from regional_node.demo import (
    DEMO_COMPANY,
    DEMO_HOLDERS,
    DEMO_PERSON,
    EXPIRED,
    REVOKED,
    VALID,
    certificates_for_region,
    certificates_of,
)
from ysj_protocol import status as st
from ysj_protocol.client import StatusError

from ..regional import publish_catalog_entry
from .helpers import audit, expected_valid, search_params

SEARCH = "/api/v1/certificates/search"
INFO = "/api/v1/certificates/info"
STATUS = "/api/v1/certificates/status"


@pytest.mark.parametrize("region", ["SH", "JS", "ZJ", "AH"])
def test_search_returns_every_valid_certificate_of_the_holder_in_the_region(regional_nodes, region):
    with regional_nodes[region].hub_client() as client:
        answer = client.call(SEARCH, search_params(DEMO_PERSON))
    expected = expected_valid(DEMO_PERSON, region)
    assert expected, "the demo person holds certificates in every region"
    assert answer.data["total"] == len(expected)
    assert {item["certificateRef"] for item in answer.data["dataList"]} == {c.ref for c in expected}
    item = answer.data["dataList"][0]
    assert set(item) == {
        "certificateRef",
        "certificateType",
        "certificateTypeCode",
        "issueDept",
        "certificateNumber",
        "issueDate",
        "status",
    }
    assert all(entry["status"] == "valid" for entry in answer.data["dataList"])


def test_revoked_and_expired_certificates_are_not_found(regional_nodes):
    hidden = [c for c in certificates_for_region("SH") if c.status in (REVOKED, EXPIRED)]
    assert hidden
    for certificate in hidden:
        holder = next(h for h in DEMO_HOLDERS if h.code == certificate.holder_code)
        with regional_nodes["SH"].hub_client() as client:
            answer = client.call(SEARCH, search_params(holder))
        assert certificate.ref not in {item["certificateRef"] for item in answer.data["dataList"]}


def test_type_codes_of_the_scenario_list_filter_the_results(regional_nodes):
    with regional_nodes["SH"].hub_client() as client:
        only_id = client.call(SEARCH, search_params(DEMO_PERSON, ["111"]))
        outside = client.call(SEARCH, search_params(DEMO_PERSON, ["999"]))
    assert [item["certificateTypeCode"] for item in only_id.data["dataList"]] == ["111"]
    assert outside.data == {"total": 0, "dataList": []}


def test_certificate_type_and_number_narrow_the_search(regional_nodes):
    deeds = expected_valid(DEMO_PERSON, "ZJ", ["114"])
    with regional_nodes["ZJ"].hub_client() as client:
        by_name = client.call(SEARCH, search_params(DEMO_PERSON, certificateType="不动产权证书"))
        by_number = client.call(SEARCH, search_params(DEMO_PERSON, certificateNumber=deeds[0].number))
        wrong_number = client.call(
            SEARCH, search_params(DEMO_PERSON, certificateNumber="沪（2000）不存在第1号")
        )
    assert {i["certificateRef"] for i in by_name.data["dataList"]} == {c.ref for c in deeds}
    assert [i["certificateNumber"] for i in by_number.data["dataList"]] == [deeds[0].number]
    assert wrong_number.data["total"] == 0


def test_a_code_paired_with_another_name_discloses_nothing(regional_nodes):
    holder = {**DEMO_PERSON.as_holder(), "name": "冒名者"}
    with regional_nodes["SH"].hub_client() as client:
        answer = client.call(SEARCH, {**search_params(DEMO_PERSON), "holder": holder})
    assert answer.data["total"] == 0


def test_companies_are_found_by_unified_social_credit_code(regional_nodes):
    region = DEMO_COMPANY.home_region
    with regional_nodes[region].hub_client() as client:
        answer = client.call(SEARCH, search_params(DEMO_COMPANY))
    assert "311" in {item["certificateTypeCode"] for item in answer.data["dataList"]}
    assert answer.data["total"] == len(expected_valid(DEMO_COMPANY, region))


def test_the_same_person_is_found_in_several_regions(regional_nodes):
    found_in = set()
    for node in regional_nodes:
        with node.hub_client() as client:
            if client.call(SEARCH, search_params(DEMO_PERSON)).data["total"]:
                found_in.add(node.code)
    assert found_in == {"SH", "JS", "ZJ", "AH"}


def test_info_gives_the_fields_of_tables_6_and_7_with_the_surface(regional_nodes):
    certificate = next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")
    with regional_nodes["SH"].hub_client() as client:
        answer = client.call(INFO, {"certificateRef": certificate.ref, "audit": audit()})
    data = answer.data
    assert data["certificateType"] == "居民身份证"
    assert data["certificateHolder"] == DEMO_PERSON.name
    assert data["certificateHolderCode"] == DEMO_PERSON.code
    assert data["certificateHolderType"] == "身份证"
    assert data["certificateNumber"] == certificate.number
    assert data["issueDept"] == certificate.issue_dept
    assert data["certificateValidateStart"] == certificate.valid_from.isoformat()
    assert data["certificateValidateEnd"] == certificate.valid_until.isoformat()
    assert data["surface"] == certificate.surface
    assert data["status"] == VALID


def test_an_indefinite_certificate_has_an_empty_end_date(regional_nodes):
    deed = expected_valid(DEMO_PERSON, "ZJ", ["114"])[0]
    with regional_nodes["ZJ"].hub_client() as client:
        answer = client.call(INFO, {"certificateRef": deed.ref, "audit": audit()})
    assert answer.data["certificateValidateEnd"] == ""


def test_info_of_an_unknown_reference_is_4004(regional_nodes):
    with regional_nodes["SH"].hub_client() as client, pytest.raises(StatusError) as refused:
        client.call(INFO, {"certificateRef": "0" * 32, "audit": audit()})
    assert refused.value.status == st.CERTIFICATE_NOT_FOUND.code
    assert refused.value.http_status == 404


@pytest.mark.parametrize("status", [VALID, REVOKED, EXPIRED])
def test_status_by_reference_and_by_face_number(regional_nodes, status):
    certificate = next(c for c in certificates_for_region("SH") if c.status == status)
    with regional_nodes["SH"].hub_client() as client:
        by_ref = client.call(STATUS, {"certificateRef": certificate.ref})
        by_number = client.call(
            STATUS,
            {
                "certificateNumber": certificate.number,
                "certificateTypeCode": certificate.type_code,
                "audit": audit(),
            },
        )
    assert by_ref.data == {"status": status}
    assert by_number.data == {"status": status}


def test_status_of_a_certificate_of_another_region_is_unknown(regional_nodes):
    elsewhere = certificates_of(DEMO_PERSON, "JS")[0]
    with regional_nodes["SH"].hub_client() as client:
        answer = client.call(STATUS, {"certificateNumber": elsewhere.number, "certificateTypeCode": "999"})
    assert answer.data == {"status": "unknown"}


# ------------------------------------------------------------------ shared catalog codes
#: The demo's shared codes by type name (catalog.demo), published to the nodes by tests.regional.
SHARED = {name: code for code, name, *_ in DEMO_CATALOG}
ALL_SHARED = sorted(SHARED.values())


def test_a_search_by_shared_codes_answers_local_certificates_with_the_shared_codes(regional_nodes):
    with regional_nodes["SH"].hub_client() as client:
        answer = client.call(SEARCH, search_params(DEMO_PERSON, ALL_SHARED))
    expected = [c for c in expected_valid(DEMO_PERSON, "SH") if c.type_name in SHARED]
    assert expected
    assert {(i["certificateRef"], i["certificateTypeCode"]) for i in answer.data["dataList"]} == {
        (c.ref, SHARED[c.type_name]) for c in expected
    }


def test_info_answers_the_shared_code_of_a_local_certificate(regional_nodes):
    certificate = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
    with regional_nodes["JS"].hub_client() as client:
        answer = client.call(INFO, {"certificateRef": certificate.ref, "audit": audit()})
    assert answer.data["certificateTypeCode"] == SHARED["机动车驾驶证"] != certificate.type_code


@pytest.mark.parametrize("status", [VALID, REVOKED])
def test_status_by_face_number_and_the_shared_code(regional_nodes, status):
    certificate = next(c for c in certificates_for_region("SH") if c.status == status and c.type_name in SHARED)
    # A type of which SH holds nothing under this face number (a driving licence bears the
    # holder's identity number, as the identity card does).
    same_number = {c.type_name for c in certificates_for_region("SH") if c.number == certificate.number}
    other = next(code for name, code in SHARED.items() if name not in same_number)
    with regional_nodes["SH"].hub_client() as client:
        by_shared = client.call(
            STATUS, {"certificateNumber": certificate.number, "certificateTypeCode": SHARED[certificate.type_name]}
        )
        other_type = client.call(
            STATUS,
            {"certificateNumber": certificate.number, "certificateTypeCode": other},
        )
    assert by_shared.data == {"status": status}
    assert other_type.data == {"status": "unknown"}


def test_a_type_without_a_catalog_entry_is_not_found_under_the_shared_codes(regional_nodes):
    # 建筑业企业资质证书 (313) has no entry in the demo's shared catalog.
    company = next(
        h for h in DEMO_HOLDERS if any(c.type_code == "313" for c in expected_valid(h, h.home_region))
    )
    assert "建筑业企业资质证书" not in SHARED
    with regional_nodes[company.home_region].hub_client() as client:
        answer = client.call(SEARCH, search_params(company, ALL_SHARED))
    found = {i["certificateType"] for i in answer.data["dataList"]}
    assert found and "建筑业企业资质证书" not in found
    assert all(i["certificateTypeCode"] in ALL_SHARED for i in answer.data["dataList"])


def test_when_two_entries_name_one_type_the_lower_code_is_answered_everywhere(regional_nodes):
    node = regional_nodes["AH"]
    deed = expected_valid(DEMO_PERSON, "AH", ["114"])[0]
    published, lower = SHARED["不动产权证书"], "11100000MB0160855K000"
    payload = {"certificateType": "不动产权证书", "certificateTypeCode": lower}

    def search(codes: list[str]) -> list[tuple[str, str]]:
        with node.hub_client() as client:
            answer = client.call(SEARCH, search_params(DEMO_PERSON, codes))
        return [(i["certificateRef"], i["certificateTypeCode"]) for i in answer.data["dataList"]]

    def info_code() -> str:
        with node.hub_client() as client:
            return client.call(INFO, {"certificateRef": deed.ref, "audit": audit()}).data["certificateTypeCode"]

    publish_catalog_entry(node, lower, payload)
    try:
        assert search([published]) == []
        assert search([published, lower]) == [(deed.ref, lower)]
        assert info_code() == lower
    finally:
        publish_catalog_entry(node, lower, payload, action="withdraw")
    assert search([published]) == [(deed.ref, published)]
    assert info_code() == published
