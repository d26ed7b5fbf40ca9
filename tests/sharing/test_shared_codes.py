"""The demo's shape end to end: shared catalog codes at the hub, local codes at the nodes.

The hub's lists carry 11100000000013127D001 and the like (catalog.demo); the nodes keep 111, 112,
114 (regional_node.demo) and map them by type name. Every path must speak the shared codes.
"""

import httpx
import pytest

from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.models import CertificateID, Retrieval, RetrievalKind
from ysj_protocol.service_code import parse_service_code

from ..regional import demo_catalog_payloads, publish_catalog_entry
from .conftest import CODES, audit

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_ID = "/api/v1/certificates/info/by-id"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
SERVICE_CODE = "/api/v1/trust/service-codes/verify"


def test_every_certificate_id_of_a_search_gives_its_information(app):
    search = app.search()
    assert search.ok and search.data["total"] == 4
    assert {row.certificate_type_code for row in CertificateID.objects.all()} == {
        CODES["居民身份证"], CODES["机动车驾驶证"], CODES["不动产权证书"]
    }
    for found in search.data["dataList"]:
        response = app.by_id(INFO_BY_ID, found["certificateID"])
        assert response.ok, response.message
        (item,) = response.data["dataList"]
        assert item["certificateType"] == found["certificateType"]
        assert item["certificateTypeCode"] == CODES[found["certificateType"]]
        assert item["certificateNumber"] == found["certificateNumber"]


def test_information_by_holder_finds_every_certificate_of_the_search(app):
    response = app.by_holder(INFO_BY_HOLDER)
    assert response.ok, response.message
    assert response.data["total"] == 4
    assert sorted(i["certificateTypeCode"] for i in response.data["dataList"]) == sorted(
        [CODES["居民身份证"], CODES["机动车驾驶证"], CODES["不动产权证书"], CODES["不动产权证书"]]
    )
    record = Retrieval.objects.get(kind=RetrievalKind.INFO_BY_HOLDER)
    assert {i.certificate_type_code for i in record.items.all()} == set(CODES.values())


def _node_service_code(node) -> str:
    """A service code the node issues for the demo person, with the certificates it claims."""
    response = httpx.post(
        node.url + "/api/v1/service-codes/issue",
        json={"holderCode": DEMO_PERSON.code, "withCertificates": True},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["serviceCode"]


def test_a_node_issued_service_code_lists_its_certificates_and_their_ids_work(app, regional_nodes):
    code = _node_service_code(regional_nodes["JS"])
    driving = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
    assert [c["certificateTypeCode"] for c in parse_service_code(code).claims["certificates"]] == [
        CODES["机动车驾驶证"]
    ]
    response = app.call(SERVICE_CODE, audit(qrCode=code))
    assert response.ok, response.message
    (listed,) = response.data["certificateList"]
    assert (listed["certificateType"], listed["certificateNumber"]) == ("机动车驾驶证", driving.number)
    info = app.by_id(INFO_BY_ID, listed["certificateID"])
    assert info.ok, info.message
    assert info.data["dataList"][0]["certificateTypeCode"] == CODES["机动车驾驶证"]
    files = app.by_id(FILE_BY_ID, listed["certificateID"], fileFormat="PDF")
    assert files.ok, files.message
    assert files.data["total"] == 1


def test_a_service_code_under_a_list_without_its_types_lists_nothing(app, regional_nodes):
    response = app.call(SERVICE_CODE, audit("SC-ID", qrCode=_node_service_code(regional_nodes["JS"])))
    assert response.ok, response.message
    assert response.data["certificateList"] == []


def test_an_info_answer_naming_another_code_keeps_the_code_the_certificate_was_found_under(
    app, driving_licence_withdrawn_at_js_after_search
):
    response = driving_licence_withdrawn_at_js_after_search()
    assert response.ok, response.message
    item = response.data["dataList"][0]
    assert item["certificateTypeCode"] == CODES["机动车驾驶证"]
    record = Retrieval.objects.get(kind=RetrievalKind.INFO_BY_ID)
    assert [i.certificate_type_code for i in record.items.all()] == [CODES["机动车驾驶证"]]


@pytest.fixture
def driving_licence_withdrawn_at_js_after_search(app, regional_nodes):
    """Search, then the JS node loses the catalog entry (its info answers the local code 112)."""
    node = regional_nodes["JS"]
    code = CODES["机动车驾驶证"]
    payload = demo_catalog_payloads()[code]
    search = app.search()
    value = next(i["certificateID"] for i in search.data["dataList"] if i["certificateType"] == "机动车驾驶证")
    publish_catalog_entry(node, code, payload, action="withdraw")
    try:
        with node.hub_client() as client:
            driving = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
            answered = client.call(
                "/api/v1/certificates/info", {"certificateRef": driving.ref, "audit": {**audit(), "appId": "x"}}
            )
        assert answered.data["certificateTypeCode"] == "112"  # the node now answers its own code
        yield lambda: app.by_id(INFO_BY_ID, value)
    finally:
        publish_catalog_entry(node, code, payload)
