"""A certificate revoked or expired at its region after the search is not answered as valid.

The certificateID lives ten minutes; the region's current status decides within them: 12.1.8 and
12.1.6 refuse with 4006, 12.1.10 answers result "0". The status is changed at the live node with
its own command (``set_certificate_status``, i.e. ``services.set_status``) and set back after.
"""

import base64

import httpx
import pytest

from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.models import FileLink, Retrieval, RetrievalKind

from .conftest import audit

pytestmark = pytest.mark.django_db(transaction=True)

INFO_BY_ID = "/api/v1/certificates/info/by-id"
INFO_BY_HOLDER = "/api/v1/certificates/info/by-holder"
FILE_BY_ID = "/api/v1/certificates/file/by-id"
VERIFY = "/api/v1/certificates/verify"
DRIVING = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
LABELS = {"revoked": "已注销", "expired": "已过期"}


@pytest.fixture
def set_status_at_js(regional_nodes):
    """Change the JS driving licence's status at the node; it is valid again after the test."""
    node = regional_nodes["JS"]

    def change(status: str) -> None:
        node.manage("set_certificate_status", "--ref", DRIVING.ref, "--status", status, "--reason", "测试")

    yield change
    change("valid")


def _id_of_driving_licence(app) -> str:
    search = app.search()
    assert search.ok, search.message
    return next(i["certificateID"] for i in search.data["dataList"] if i["certificateType"] == "机动车驾驶证")


@pytest.mark.parametrize("status", ["revoked", "expired"])
def test_information_by_id_is_refused_once_the_region_changed_the_status(app, set_status_at_js, status):
    value = _id_of_driving_licence(app)
    assert app.by_id(INFO_BY_ID, value).ok
    set_status_at_js(status)
    response = app.by_id(INFO_BY_ID, value)
    assert response.status == "4006"
    assert LABELS[status] in response.message
    assert "dataList" not in (response.data or {})
    assert Retrieval.objects.filter(kind=RetrievalKind.INFO_BY_ID).count() == 1  # the first call only


@pytest.mark.parametrize("status", ["revoked", "expired"])
def test_no_download_address_is_handed_out_once_the_region_changed_the_status(app, set_status_at_js, status):
    value = _id_of_driving_licence(app)
    set_status_at_js(status)
    response = app.by_id(FILE_BY_ID, value)
    assert response.status == "4006"
    assert LABELS[status] in response.message
    assert not FileLink.objects.exists()
    assert not Retrieval.objects.filter(kind=RetrievalKind.FILE_BY_ID).exists()


def test_a_file_obtained_before_the_revocation_no_longer_verifies(app, set_status_at_js):
    links = app.by_id(FILE_BY_ID, _id_of_driving_licence(app), fileFormat="PDF")
    assert links.ok, links.message
    content = httpx.get(links.data["dataList"][0]["fileUrl"], timeout=30).content

    def verify():
        return app.call(VERIFY, audit(fileEntity=base64.b64encode(content).decode("ascii"), fileFormat="PDF"))

    assert verify().data["result"] == "1"
    set_status_at_js("revoked")
    response = verify()
    assert response.ok, response.message
    assert (response.data["result"], response.data["certificateStatus"]) == ("0", "revoked")
    assert "注销或吊销" in response.data["reason"]


def test_the_search_and_information_by_holder_leave_it_out_once_revoked(app, set_status_at_js):
    set_status_at_js("revoked")
    assert "机动车驾驶证" not in {i["certificateType"] for i in app.search().data["dataList"]}
    response = app.by_holder(INFO_BY_HOLDER)
    assert response.ok
    assert response.data["total"] == 3
