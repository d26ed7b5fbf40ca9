"""12.1.10 on files an application obtained, watermarked and countersigned (11.4), from the real nodes."""

import base64
from datetime import UTC, datetime

import pytest

from sharing.models import Retrieval, RetrievalKind
from trust.models import ApplicationStatus, TrustedApplication
from ysj_protocol.certfile import SignerInfo, sign_ofd, sign_pdf
from ysj_protocol.usage import UseContext, sign, watermark

from ..keys import key_for
from .conftest import audit
from .test_verify import FORMATS, ID_CARD, REVOKED, genuine_file, render, verify

pytestmark = pytest.mark.django_db(transaction=True)

USE = UseContext(
    scenario_name="不动产登记", biz_num="BIZ-2026-0001", item_org="上海市浦东新区不动产登记中心",
    time=datetime(2026, 11, 30, 9, 30, tzinfo=UTC),
)  # fmt: skip


def countersigned(
    content: bytes, fmt: str, app_id: str = "app-sharing", key_name: str | None = None
) -> bytes:
    marked = watermark(content, file_format=fmt, use=USE)
    return sign(marked, file_format=fmt, private_key=key_for(key_name or app_id), app_id=app_id)


@pytest.mark.parametrize("fmt", FORMATS)
def test_countersigned_file_names_the_application_and_the_region_status(app, regional_nodes, fmt):
    content = countersigned(genuine_file(regional_nodes["SH"], ID_CARD, fmt), fmt)
    response = verify(app, content, fmt)
    assert response.ok, response.message
    assert response.data["result"] == "1"
    assert response.data["applicationId"] == "app-sharing"
    assert response.data["applicationSignedAt"]
    assert response.data["regionCode"] == "SH"
    assert response.data["certificateNumber"] == ID_CARD.number
    assert response.data["certificateStatus"] == "valid"
    assert "应用系统（app-sharing）签名有效" in response.data["reason"]
    record = Retrieval.objects.get(kind=RetrievalKind.VERIFY)
    assert [(i.region.code, i.certificate_number) for i in record.items.all()] == [("SH", ID_CARD.number)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_byte_changed_after_countersigning_fails(app, regional_nodes, fmt):
    content = bytearray(countersigned(genuine_file(regional_nodes["SH"], ID_CARD, fmt), fmt))
    # PDF: a byte of the watermark's update, after the region's revision; OFD: inside the package.
    index = len(content) - 30_000 if fmt == "PDF" else len(content) // 2
    content[index] ^= 0x01
    response = verify(app, bytes(content), fmt)
    assert response.data["result"] == "0"
    assert response.data["reason"] in {
        "文件完整性校验失败",
        "签名验证失败",
        "文件结构无法解析",
        "签名数据格式错误",
    }
    assert "applicationId" not in response.data


@pytest.mark.parametrize("fmt", FORMATS)
def test_watermarked_but_not_countersigned_fails(app, regional_nodes, fmt):
    marked = watermark(genuine_file(regional_nodes["SH"], ID_CARD, fmt), file_format=fmt, use=USE)
    response = verify(app, marked, fmt)
    assert response.data["result"] == "0"
    assert response.data["reason"] == "文件完整性校验失败"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_application_unknown_to_the_hub_is_refused(app, regional_nodes, fmt):
    content = countersigned(genuine_file(regional_nodes["SH"], ID_CARD, fmt), fmt, app_id="app-nowhere")
    response = verify(app, content, fmt)
    assert response.data == {"result": "0", "reason": "签名的应用系统未登记签名公钥"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_that_is_not_the_applications_is_refused(app, regional_nodes, fmt):
    content = countersigned(genuine_file(regional_nodes["SH"], ID_CARD, fmt), fmt, key_name="forger")
    response = verify(app, content, fmt)
    assert response.data == {"result": "0", "reason": "签名密钥与应用系统登记的公钥不一致"}


def test_a_suspended_applications_signature_is_not_accepted(app, other_app, regional_nodes):
    content = countersigned(genuine_file(regional_nodes["SH"], ID_CARD, "PDF"), "PDF", app_id="app-other")
    assert verify(app, content, "PDF").data["result"] == "1"
    TrustedApplication.objects.filter(app_id="app-other").update(status=ApplicationStatus.SUSPENDED)
    assert verify(app, content, "PDF").data == {"result": "0", "reason": "签名的应用系统未登记签名公钥"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_countersigned_file_of_a_revoked_certificate_still_gets_the_region_status(app, regional_nodes, fmt):
    signer = sign_pdf if fmt == "PDF" else sign_ofd
    issued = signer(render(REVOKED, fmt), regional_nodes["SH"].private_key, SignerInfo("SH"))
    response = verify(app, countersigned(issued, fmt), fmt)
    assert response.data["result"] == "0"
    assert response.data["applicationId"] == "app-sharing"
    assert response.data["certificateStatus"] == "revoked"


def test_the_answer_is_the_same_through_base64_with_line_breaks(app, regional_nodes):
    content = countersigned(genuine_file(regional_nodes["SH"], ID_CARD, "OFD"), "OFD")
    text = base64.encodebytes(content).decode("ascii")
    response = app.call("/api/v1/certificates/verify", audit(fileEntity=text, fileFormat="ofd"))
    assert response.data["result"] == "1"
    assert response.data["applicationId"] == "app-sharing"
