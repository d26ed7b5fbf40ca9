"""12.2.2: the certificates a service code lists are noticed to their holder, in the call's unit of work."""

import pytest

from notices.models import HolderNotice, NoticeKind
from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.holders import holder_key, mask_face_number

from ..sharing.conftest import CODES, ID_CARD_ONLY, audit
from .factories import inserts_refused, node_service_code

pytestmark = pytest.mark.django_db(transaction=True)

SERVICE_CODE = "/api/v1/trust/service-codes/verify"


def test_a_code_listing_certificates_notices_them(app, regional_nodes):
    response = app.call(SERVICE_CODE, audit(qrCode=node_service_code(regional_nodes["JS"])))
    assert response.ok, response.message
    (listed,) = response.data["certificateList"]
    notice = HolderNotice.objects.get()
    licence = next(c for c in certificates_of(DEMO_PERSON, "JS") if c.type_code == "112")
    assert notice.kind == NoticeKind.SERVICE_CODE
    assert notice.holder_key == holder_key(DEMO_PERSON.code_type, DEMO_PERSON.code)
    assert notice.retrieval is None
    assert notice.certificates == [
        {
            "certificateType": "机动车驾驶证",
            "certificateTypeCode": CODES["机动车驾驶证"],
            "certificateNumber": mask_face_number(licence.number),
            "regionCode": "JS",
        }
    ]
    assert listed["certificateNumber"] == licence.number  # the application gets the number, the notice a mask
    assert (notice.scenario_code, notice.operator, notice.biz_num) == ("SC-ALL", "王五", "BIZ-2024-0001")
    assert response.data["holderNotice"] == notice.text
    assert "通过您出示的政务服务码获取" in notice.text and licence.number not in notice.text


def test_a_code_listing_nothing_under_the_list_notices_nothing(app, regional_nodes):
    response = app.call(SERVICE_CODE, audit(ID_CARD_ONLY, qrCode=node_service_code(regional_nodes["JS"])))
    assert response.ok, response.message
    assert response.data["certificateList"] == []
    assert response.data["holderNotice"] == ""
    assert not HolderNotice.objects.exists()


def test_a_refused_code_notices_nothing(app, regional_nodes):
    code = node_service_code(regional_nodes["JS"])
    assert app.call(SERVICE_CODE, audit(qrCode=code)).ok
    again = app.call(SERVICE_CODE, audit(qrCode=code))
    assert again.status == "4014"
    assert HolderNotice.objects.count() == 1


def test_no_answer_leaves_when_the_notice_cannot_be_written(app, regional_nodes):
    code = node_service_code(regional_nodes["JS"])
    with inserts_refused(HolderNotice._meta.db_table):
        response = app.call(SERVICE_CODE, audit(qrCode=code))
    assert response.status == "9999"
    assert "userInfo" not in (response.data or {})
    assert not HolderNotice.objects.exists()
