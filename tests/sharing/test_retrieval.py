"""12.1.6-12.1.9: retrieval by certificateID and by holder, and the certificateID's binding."""

from datetime import timedelta

import pytest
from django.utils import timezone

from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.models import CertificateID, FileLink, Obtained, Retrieval, RetrievalKind

from .conftest import ID_CARD_ONLY

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_ID = "/api/v1/certificates/info/by-id"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"


def _id_of(app, type_name, item_code="SC-ALL"):
    response = app.search(item_code)
    assert response.ok
    return next(i["certificateID"] for i in response.data["dataList"] if i["certificateType"] == type_name)


def test_info_by_id_gives_tables_6_fields_and_the_regions_surface(app):
    response = app.by_id(INFO_BY_ID, _id_of(app, "机动车驾驶证"))
    assert response.ok, response.message
    assert response.data["total"] == 1
    item = response.data["dataList"][0]
    expected = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
    assert item["certificateHolder"] == DEMO_PERSON.name
    assert item["certificateHolderCode"] == DEMO_PERSON.code
    assert item["certificateHolderType"] == "身份证"
    assert item["certificateNumber"] == expected.number
    assert item["issueDept"] == expected.issue_dept
    assert item["certificateValidateStart"] == expected.valid_from.isoformat()
    assert item["surface"] == expected.surface
    record = Retrieval.objects.get(kind=RetrievalKind.INFO_BY_ID)
    assert [(i.region.code, i.obtained) for i in record.items.all()] == [("JS", Obtained.INFO)]
    assert record.holder_key == Retrieval.objects.get(kind=RetrievalKind.SEARCH).holder_key


def test_info_by_holder_gives_every_certificate_and_names_silent_regions(app, regional_nodes):
    response = app.by_holder(INFO_BY_HOLDER)
    assert response.ok
    assert response.data["total"] == 4
    assert response.data["unavailableRegions"] == []
    assert all(item["surface"] for item in response.data["dataList"])
    with regional_nodes.down("ZJ"):
        partial = app.by_holder(INFO_BY_HOLDER)
    assert partial.data["unavailableRegions"] == ["ZJ"]
    assert partial.data["total"] == 3
    narrowed = app.by_holder(INFO_BY_HOLDER, ID_CARD_ONLY)
    assert [i["certificateType"] for i in narrowed.data["dataList"]] == ["居民身份证"]


def test_info_by_id_when_the_region_is_down(app, regional_nodes):
    value = _id_of(app, "不动产权证书")
    row = CertificateID.objects.get(region__code="ZJ")
    assert row
    with regional_nodes.down("ZJ"), regional_nodes.down("AH"):
        response = app.by_id(INFO_BY_ID, value)
    assert response.status == "4005"
    assert not Retrieval.objects.filter(kind=RetrievalKind.INFO_BY_ID).exists()


def test_expired_certificate_id_is_refused(app):
    value = _id_of(app, "居民身份证")
    CertificateID.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    for path in (INFO_BY_ID, FILE_BY_ID):
        response = app.by_id(path, value)
        assert response.status == "4002"
        assert "十分钟" in response.message
    assert not FileLink.objects.exists()


def test_certificate_id_of_another_application_is_refused(app, other_app):
    value = _id_of(app, "居民身份证")
    for path in (INFO_BY_ID, FILE_BY_ID):
        response = other_app.by_id(path, value)
        assert response.status == "4003"
    assert not Retrieval.objects.filter(application__app_id="app-other").exists()


def test_certificate_id_under_another_scenario_list_is_refused(app):
    value = _id_of(app, "机动车驾驶证")
    response = app.by_id(INFO_BY_ID, value, item_code=ID_CARD_ONLY)
    assert response.status == "4003"


def test_unknown_certificate_id_is_refused(app):
    for value in ("not-an-id", "A" * 32):
        response = app.by_id(INFO_BY_ID, value)
        assert response.status == "4001"


def test_certificate_id_spelled_certificateId_is_accepted(app):
    value = _id_of(app, "居民身份证")
    response = app.call(INFO_BY_ID, {**_audit(), "certificateId": value})
    assert response.ok


def _audit():
    from .conftest import audit

    return audit()


def test_file_by_id_gives_one_address_per_format(app):
    response = app.by_id(FILE_BY_ID, _id_of(app, "居民身份证"))
    assert response.ok
    assert [i["fileFormat"] for i in response.data["dataList"]] == ["PDF", "OFD"]
    for item in response.data["dataList"]:
        assert item["certificateType"] == "居民身份证"
        assert item["fileUrl"].startswith(app.client.peer.base_url + "/api/v1/files/")
    only_ofd = app.by_id(FILE_BY_ID, _id_of(app, "居民身份证"), fileFormat="OFD")
    assert [i["fileFormat"] for i in only_ofd.data["dataList"]] == ["OFD"]
    record = Retrieval.objects.filter(kind=RetrievalKind.FILE_BY_ID).first()
    assert {i.obtained for i in record.items.all()} == {Obtained.FILE_OFD}


def test_file_by_holder_lists_every_certificate(app, regional_nodes):
    response = app.by_holder(FILE_BY_HOLDER, fileFormat="PDF")
    assert response.ok
    assert response.data["total"] == 4
    assert response.data["unavailableRegions"] == []
    with regional_nodes.down("SH"):
        partial = app.by_holder(FILE_BY_HOLDER, fileFormat="PDF")
    assert partial.data["unavailableRegions"] == ["SH"]
    assert {i["certificateType"] for i in partial.data["dataList"]} == {"机动车驾驶证", "不动产权证书"}


def test_bad_file_format_is_refused(app):
    response = app.by_id(FILE_BY_ID, _id_of(app, "居民身份证"), fileFormat="DOCX")
    assert response.status == "1007"
    assert "fileFormat" in response.message


def _served(endpoint: str):
    from trust.models import EnvelopeCall

    return EnvelopeCall.objects.filter(direction="in", endpoint=endpoint)


def test_addresses_and_their_records_commit_with_the_record_of_the_call(app):
    response = app.by_holder(FILE_BY_HOLDER, fileFormat="PDF")
    assert response.ok
    (served,) = _served(FILE_BY_HOLDER)
    retrieval = Retrieval.objects.get(kind=RetrievalKind.FILE_BY_HOLDER)
    assert (served.status_code, served.request_id) == ("0", retrieval.request_id)
    links = FileLink.objects.filter(item__retrieval=retrieval)
    assert links.count() == response.data["total"] == 4
    assert _served(FILE_BY_HOLDER).model.objects.filter(direction="out", request_id=served.request_id).count() == 4


def _refuse(*args, **kwargs):
    from django.db import DatabaseError

    raise DatabaseError("could not extend file")


def _links_fail(monkeypatch):
    monkeypatch.setattr(FileLink.objects, "bulk_create", _refuse)


def _retrieval_fails(monkeypatch):
    monkeypatch.setattr(Retrieval.objects, "bulk_create", _refuse)


def _served_record_fails(monkeypatch):
    # The last write of the unit of work: everything inserted before it must be rolled back.
    monkeypatch.setattr("trust.work.call_row", _refuse)


@pytest.mark.parametrize(
    ("path", "fail"),
    [(FILE_BY_ID, _links_fail), (FILE_BY_ID, _served_record_fails), (INFO_BY_ID, _retrieval_fails)],
)
def test_no_address_or_data_leaves_when_its_records_cannot_be_written(app, monkeypatch, path, fail):
    # A database refusing this one write cannot be caused on demand without breaking the test's own
    # connection, so the write is made to fail (the one mock of this test).
    certificate_id = _id_of(app, "居民身份证")
    fail(monkeypatch)
    response = app.by_id(path, certificate_id)
    assert response.status == "9999"
    assert "dataList" not in (response.data or {})
    assert not Retrieval.objects.exclude(kind=RetrievalKind.SEARCH).exists()
    assert not FileLink.objects.exists()
    (served,) = _served(path)
    assert (served.status_code, served.http_status) == ("9999", 200)


def test_the_regions_call_records_of_12_1_8_commit_with_the_answer(app, monkeypatch):
    from trust import work
    from trust.models import EnvelopeCall

    certificate_id = _id_of(app, "机动车驾驶证")
    seen = []
    real_commit = work.commit

    def commit(unit, served):
        # Made, but not yet written: the region's record waits in the unit of work.
        seen.append((
            [(r.account_id, r.endpoint) for r in unit.calls],
            EnvelopeCall.objects.filter(request_id=served.request_id).count(),
        ))
        real_commit(unit, served)

    monkeypatch.setattr("trust.envelope.views.commit", commit)
    response = app.by_id(INFO_BY_ID, certificate_id)
    assert response.ok, response.message
    assert seen == [([("JS", "/api/v1/certificates/info")], 0)]
    (served,) = _served(INFO_BY_ID)
    made = EnvelopeCall.objects.get(direction="out", request_id=served.request_id)
    assert (made.account_id, made.endpoint) == ("JS", "/api/v1/certificates/info")
    assert Retrieval.objects.get(kind=RetrievalKind.INFO_BY_ID).request_id == served.request_id


def test_the_region_call_of_a_refused_12_1_8_is_still_recorded(app, regional_nodes):
    from trust.models import EnvelopeCall

    certificate_id = _id_of(app, "不动产权证书")
    with regional_nodes.down("ZJ"), regional_nodes.down("AH"):
        response = app.by_id(INFO_BY_ID, certificate_id)
    assert response.status == "4005"
    (served,) = _served(INFO_BY_ID)
    assert EnvelopeCall.objects.filter(direction="out", request_id=served.request_id).count() == 1
