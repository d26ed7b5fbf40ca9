"""12.1.6, 12.1.7, 12.1.10: fileFormat in any case; ``total`` is what ``dataList`` holds; one date form."""

import base64
import re

import pytest

from sharing.models import FileLink

from .conftest import audit
from .test_verify import ID_CARD, genuine_file

pytestmark = pytest.mark.django_db(transaction=True)

FILE_BY_ID = "/api/v1/certificates/file/by-id"
FILE_BY_HOLDER = "/api/v1/certificates/file/by-holder"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _id_card_id(app) -> str:
    response = app.search()
    assert response.ok, response.message
    return next(i["certificateID"] for i in response.data["dataList"] if i["certificateType"] == "居民身份证")


@pytest.mark.parametrize(("sent", "answered"), [("pdf", "PDF"), ("Ofd", "OFD"), (" PDF ", "PDF")])
def test_file_format_is_read_in_any_case_and_answered_upper_case(app, sent, answered):
    by_id = app.by_id(FILE_BY_ID, _id_card_id(app), fileFormat=sent)
    assert by_id.ok, by_id.message
    assert [i["fileFormat"] for i in by_id.data["dataList"]] == [answered]
    by_holder = app.by_holder(FILE_BY_HOLDER, fileFormat=sent)
    assert by_holder.ok, by_holder.message
    assert {i["fileFormat"] for i in by_holder.data["dataList"]} == {answered}
    assert set(FileLink.objects.values_list("file_format", flat=True)) == {answered}


def test_total_counts_the_entries_of_data_list_one_per_certificate_and_format(app):
    one_format = app.by_holder(FILE_BY_HOLDER, fileFormat="pdf")
    both = app.by_holder(FILE_BY_HOLDER)
    certificates = len(one_format.data["dataList"])
    assert certificates > 0
    assert one_format.data["total"] == certificates
    assert both.data["total"] == len(both.data["dataList"]) == 2 * certificates
    by_id = app.by_id(FILE_BY_ID, _id_card_id(app))
    assert by_id.data["total"] == len(by_id.data["dataList"]) == 2


def test_dates_and_holder_types_have_one_form(app):
    files = app.by_holder(FILE_BY_HOLDER, fileFormat="PDF")
    assert all(DATE.match(item["issueDate"]) for item in files.data["dataList"])
    info = app.by_holder(INFO_BY_HOLDER)
    assert info.data["dataList"]
    for item in info.data["dataList"]:
        assert DATE.match(item["issueDate"]) and DATE.match(item["certificateValidateStart"])
        assert item["certificateValidateEnd"] == "" or DATE.match(item["certificateValidateEnd"])
        assert item["certificateHolderType"] in {"身份证", "统一社会信用代码"}


@pytest.mark.parametrize("sent", ["pdf", "Pdf"])
def test_verification_reads_the_file_format_in_any_case(app, regional_nodes, sent):
    content = genuine_file(regional_nodes["SH"], ID_CARD, "PDF")
    response = app.call(
        "/api/v1/certificates/verify",
        audit(fileEntity=base64.b64encode(content).decode("ascii"), fileFormat=sent),
    )
    assert response.ok, response.message
    assert response.data["result"] == "1"


def test_an_unknown_file_format_is_still_refused(app):
    response = app.by_id(FILE_BY_ID, _id_card_id(app), fileFormat="docx")
    assert response.status == "1007" and "fileFormat" in response.message
