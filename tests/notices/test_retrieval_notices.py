"""12.1.6-12.1.9: every answer that hands certificates out tells their holder, in its unit of work."""

import pytest

from notices.models import HolderNotice, NoticeKind
from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.holders import holder_key, mask_face_number
from sharing.models import FileLink, Retrieval, RetrievalKind
from trust.models import EnvelopeCall

from ..sharing.conftest import CODES
from .factories import inserts_refused

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_ID = "/api/v1/certificates/info/by-id"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"
HOLDER = holder_key(DEMO_PERSON.code_type, DEMO_PERSON.code)


def _id_of(app, type_name):
    response = app.search()
    assert response.ok, response.message
    return next(i["certificateID"] for i in response.data["dataList"] if i["certificateType"] == type_name)


def _driving_licence():
    return next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")


def test_info_by_id_notices_the_holder_and_the_answer_carries_the_text(app):
    response = app.by_id(INFO_BY_ID, _id_of(app, "机动车驾驶证"))
    assert response.ok, response.message
    notice = HolderNotice.objects.get()
    licence = _driving_licence()
    assert notice.kind == NoticeKind.INFO_BY_ID
    assert notice.holder_key == HOLDER
    assert notice.application.app_id == "app-sharing"
    assert notice.application_name == app.session.application.name
    assert (notice.scenario_code, notice.operator, notice.biz_num) == ("SC-ALL", "王五", "BIZ-2024-0001")
    assert (notice.item_name, notice.use_for, notice.item_org) == ("户籍迁移", "办理户籍迁移", "上海市徐汇区政务服务中心")
    assert notice.relaying_region is None
    assert notice.certificates == [
        {
            "certificateType": "机动车驾驶证",
            "certificateTypeCode": CODES["机动车驾驶证"],
            "certificateNumber": mask_face_number(licence.number),
            "regionCode": "JS",
        }
    ]
    assert notice.retrieval == Retrieval.objects.get(kind=RetrievalKind.INFO_BY_ID)
    assert notice.request_id == notice.retrieval.request_id
    assert response.data["holderNotice"] == notice.text
    text = notice.text
    assert text.startswith("【长三角电子证照】您的机动车驾驶证（证号")
    assert mask_face_number(licence.number) in text and licence.number not in text
    assert app.session.application.name in text and "经办人王五" in text and "BIZ-2024-0001" in text
    assert "调取证照信息" in text and "如非本人授权" in text


def test_info_by_holder_lists_every_certificate_once(app):
    response = app.by_holder(INFO_BY_HOLDER)
    assert response.ok, response.message
    notice = HolderNotice.objects.get()
    assert notice.kind == NoticeKind.INFO_BY_HOLDER
    assert sorted(c["regionCode"] for c in notice.certificates) == ["AH", "JS", "SH", "ZJ"]
    assert response.data["holderNotice"] == notice.text
    # Four certificates: two are named, the count says the rest.
    assert "等4份证照" in notice.text


def test_file_by_id_names_the_certificate_once_for_both_formats(app):
    response = app.by_id(FILE_BY_ID, _id_of(app, "居民身份证"))
    assert response.ok, response.message
    assert response.data["total"] == 2  # PDF and OFD
    notice = HolderNotice.objects.get()
    assert notice.kind == NoticeKind.FILE_BY_ID
    (certificate,) = notice.certificates
    # The face number of an identity card is the identity number: masked, never plain.
    assert certificate["certificateNumber"] == mask_face_number(DEMO_PERSON.code) != DEMO_PERSON.code
    assert response.data["holderNotice"] == notice.text
    assert "调取证照文件" in notice.text


def test_file_by_holder_notices_what_the_answer_hands_out(app, regional_nodes):
    with regional_nodes.down("SH"):
        response = app.by_holder(FILE_BY_HOLDER, fileFormat="PDF")
    assert response.ok, response.message
    assert response.data["unavailableRegions"] == ["SH"]
    notice = HolderNotice.objects.get()
    assert notice.kind == NoticeKind.FILE_BY_HOLDER
    assert sorted(c["regionCode"] for c in notice.certificates) == ["AH", "JS", "ZJ"]
    assert response.data["holderNotice"] == notice.text


def test_a_search_and_an_empty_hand_out_tell_nothing(app, regional_nodes):
    assert app.search().ok
    with regional_nodes.down("SH"), regional_nodes.down("JS"), regional_nodes.down("ZJ"), regional_nodes.down("AH"):
        response = app.by_holder(INFO_BY_HOLDER)
    assert response.ok, response.message
    assert response.data["total"] == 0
    assert response.data["holderNotice"] == ""
    assert not HolderNotice.objects.exists()


def test_a_refused_call_tells_nothing(app, other_app):
    certificate_id = _id_of(app, "居民身份证")
    response = other_app.by_id(INFO_BY_ID, certificate_id)
    assert response.status == "4003"
    assert not HolderNotice.objects.exists()


@pytest.mark.parametrize("path", [FILE_BY_ID, INFO_BY_ID])
def test_a_call_whose_notice_cannot_be_written_hands_nothing_out(app, path):
    # The database itself refuses the notice's insert (a trigger): the unit of work is rolled back
    # whole, and the caller gets 9999 with nothing of the answer.
    certificate_id = _id_of(app, "居民身份证")
    with inserts_refused(HolderNotice._meta.db_table):
        response = app.by_id(path, certificate_id)
    assert response.status == "9999"
    assert "dataList" not in (response.data or {}) and "holderNotice" not in (response.data or {})
    assert not HolderNotice.objects.exists()
    assert not Retrieval.objects.exclude(kind=RetrievalKind.SEARCH).exists()
    assert not FileLink.objects.exists()
    assert EnvelopeCall.objects.get(direction="in", endpoint=path).status_code == "9999"


def test_no_plain_identity_number_in_the_notices(app):
    assert app.by_holder(INFO_BY_HOLDER).ok
    assert app.by_holder(FILE_BY_HOLDER).ok
    stored = [
        str(value)
        for row in HolderNotice.objects.values()
        for value in row.values()
    ]
    assert len(HolderNotice.objects.all()) == 2
    assert not [value for value in stored if DEMO_PERSON.code in value]
    numbers = [c.number for region in ("SH", "JS", "ZJ", "AH") for c in certificates_of(DEMO_PERSON, region)]
    assert not [value for value in stored for number in numbers if number in value]
