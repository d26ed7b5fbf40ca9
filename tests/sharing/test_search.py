"""12.1.5 fused search over real HTTP against the four live regional nodes."""

import pytest
from django.db import DatabaseError

from regional_node.demo import DEMO_PERSON
from sharing.models import CertificateID, Retrieval, RetrievalKind
from trust.models import EnvelopeCall

from .conftest import CODES, ID_CARD_ONLY

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = "/api/v1/certificates/search"
EXPECTED = {
    ("居民身份证", "SH"),
    ("机动车驾驶证", "JS"),
    ("不动产权证书", "ZJ"),
    ("不动产权证书", "AH"),
}


def _found(response):
    rows = CertificateID.objects.select_related("region")
    by_number = {(row.summary["certificateType"], row.certificate_number): row.region.code for row in rows}
    return {(item["certificateType"], by_number[(item["certificateType"], item["certificateNumber"])]) for item in response.data["dataList"]}


def _outbound_search_calls(region_code: str) -> int:
    return EnvelopeCall.objects.filter(direction="out", account_id=region_code, endpoint="/api/v1/certificates/search").count()


def test_all_regions_answer_once_with_every_valid_certificate(app):
    response = app.search()
    assert response.ok, response.message
    assert response.data["unavailableRegions"] == []
    assert response.data["total"] == 4
    assert _found(response) == EXPECTED
    ids = [item["certificateID"] for item in response.data["dataList"]]
    assert len(set(ids)) == 4 and all(len(value) == 32 for value in ids)
    for item in response.data["dataList"]:
        assert set(item) == {"certificateID", "certificateType", "issueDept", "certificateNumber", "issueDate"}
    # The revoked driving licence in SH is not found.
    assert "机动车驾驶证" not in {t for t, region in _found(response) if region == "SH"}
    for code in ("SH", "JS", "ZJ", "AH"):
        assert _outbound_search_calls(code) == 1
    retrieval = Retrieval.objects.get(kind=RetrievalKind.SEARCH)
    assert retrieval.application.app_id == "app-sharing"
    assert retrieval.scenario_code == "SC-ALL" and retrieval.biz_num == "BIZ-2024-0001"
    assert retrieval.items.count() == 4
    assert DEMO_PERSON.code not in retrieval.holder_key


def test_the_answer_and_every_record_of_the_search_commit_together(app):
    response = app.search()
    assert response.ok, response.message
    retrieval = Retrieval.objects.get()
    served = EnvelopeCall.objects.get(direction="in", endpoint=SEARCH)
    assert (served.status_code, served.http_status, served.biz_num) == ("0", 200, "BIZ-2024-0001")
    assert served.request_id == retrieval.request_id
    assert EnvelopeCall.objects.filter(direction="out", request_id=served.request_id).count() == 4
    assert len(served.response_digest) == 64


def test_nothing_leaves_when_the_records_cannot_be_written(app, monkeypatch):
    # A database refusing this one write cannot be caused on demand without breaking the test's own
    # connection, so the write is made to fail (the one mock of this module).
    def refuse(*args, **kwargs):
        raise DatabaseError("could not extend file")

    monkeypatch.setattr(Retrieval.objects, "bulk_create", refuse)
    response = app.search()
    assert response.status == "9999"
    assert "dataList" not in (response.data or {})
    assert CertificateID.objects.count() == 0 and Retrieval.objects.count() == 0
    served = EnvelopeCall.objects.get(direction="in", endpoint=SEARCH)
    assert (served.status_code, served.http_status) == ("9999", 200)


def test_one_region_down_does_not_fail_the_search(app, regional_nodes):
    with regional_nodes.down("JS"):
        response = app.search()
    assert response.ok
    assert response.data["unavailableRegions"] == ["JS"]
    assert _found(response) == EXPECTED - {("机动车驾驶证", "JS")}
    assert Retrieval.objects.get().unavailable_regions == "JS"


def test_region_slow_past_its_timeout_is_given_up(app, regional_nodes, live_regions):
    live_regions["ZJ"].timeout_seconds = 0.5
    live_regions["ZJ"].save()
    regional_nodes["ZJ"].set_delay(2500)
    response = app.search()
    assert response.ok
    assert response.data["unavailableRegions"] == ["ZJ"]
    assert _found(response) == EXPECTED - {("不动产权证书", "ZJ")}
    assert _outbound_search_calls("ZJ") == 1  # asked once, never retried


def test_slow_region_within_its_timeout_is_waited_for(app, regional_nodes):
    regional_nodes["AH"].set_delay(300)
    response = app.search()
    assert response.ok
    assert response.data["unavailableRegions"] == []
    assert response.data["total"] == 4


@pytest.mark.parametrize("mode", ["bad-envelope", "garbage", "no-head", "truncated"])
def test_region_answering_malformed_envelopes_is_reported(app, regional_nodes, mode):
    regional_nodes["AH"].set_malformed(mode)
    response = app.search()
    assert response.ok
    assert response.data["unavailableRegions"] == ["AH"]
    assert _found(response) == EXPECTED - {("不动产权证书", "AH")}


def test_every_region_failing_still_answers_once(app, regional_nodes):
    for node in regional_nodes:
        node.set_malformed("garbage")
    response = app.search()
    assert response.ok
    assert response.data == {"total": 0, "dataList": [], "unavailableRegions": ["SH", "JS", "ZJ", "AH"]}


def test_types_outside_the_scenario_list_are_filtered_out(app):
    response = app.search(ID_CARD_ONLY)
    assert response.ok
    assert [(i["certificateType"], i["certificateNumber"]) for i in response.data["dataList"]] == [
        ("居民身份证", DEMO_PERSON.code)
    ]


def test_certificate_type_and_number_narrow_the_search(app):
    by_type = app.search(certificateType="不动产权证书")
    assert by_type.ok
    assert {i["certificateType"] for i in by_type.data["dataList"]} == {"不动产权证书"}
    assert by_type.data["total"] == 2
    number = by_type.data["dataList"][0]["certificateNumber"]
    by_number = app.search(certificateNumber=number)
    assert [i["certificateNumber"] for i in by_number.data["dataList"]] == [number]
    by_code = app.search(certificateType=CODES["机动车驾驶证"])
    assert [i["certificateType"] for i in by_code.data["dataList"]] == ["机动车驾驶证"]


def test_type_outside_the_scenario_list_is_refused(app):
    response = app.search(ID_CARD_ONLY, certificateType="不动产权证书")
    assert response.status == "3004"
    assert "不在该用证清单中" in response.message
    assert not CertificateID.objects.exists()


def test_invalid_parameters_are_refused_without_asking_the_regions(app):
    response = app.call(SEARCH, {"trustedToken": app.session.trusted_token, "itemCode": "SC-ALL"})
    assert response.status == "1007"
    assert EnvelopeCall.objects.filter(direction="out").count() == 0
    assert not Retrieval.objects.exists()
