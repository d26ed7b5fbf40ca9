"""12.1.10: genuine, altered, re-signed and unsigned PDF and OFD files, and the current status."""

import base64

import httpx
import pytest

from regional_node.demo import DEMO_PERSON, certificates_of
from sharing.models import Retrieval, RetrievalKind
from ysj_protocol.certfile import CertificateData, SignerInfo, render_ofd, render_pdf, sign_ofd, sign_pdf

from ..keys import key_for
from .conftest import audit

pytestmark = pytest.mark.django_db(transaction=True)

VERIFY = "/api/v1/certificates/verify"
FORMATS = ["PDF", "OFD"]
ID_CARD = next(c for c in certificates_of(DEMO_PERSON, "SH") if c.type_code == "111")
REVOKED = next(c for c in certificates_of(DEMO_PERSON, "SH") if c.status == "revoked")


def genuine_file(node, certificate, fmt: str) -> bytes:
    """The signed file as the issuing region hands it out (its own file endpoint, then the download)."""
    with node.hub_client() as client:
        answer = client.call(
            "/api/v1/certificates/file",
            {"certificateRef": certificate.ref, "fileFormat": fmt, "audit": {**audit(), "appId": "app-sharing"}},
        )
    url = answer.data["downloadUrl"]
    response = httpx.get(url if url.startswith("http") else node.url + url, timeout=30)
    response.raise_for_status()
    return response.content


def certificate_data(certificate) -> CertificateData:
    return CertificateData(
        region_code=certificate.region,
        certificate_type=certificate.type_name,
        certificate_type_code=certificate.type_code,
        certificate_number=certificate.number,
        holder_name=certificate.holder_name,
        holder_code=certificate.holder_code,
        holder_code_type=certificate.holder_code_type,
        issue_dept=certificate.issue_dept,
        issue_date=certificate.issue_date,
        valid_from=certificate.valid_from,
        valid_until=certificate.valid_until,
        internal_id=certificate.ref,
        surface=dict(certificate.surface),
    )


def render(certificate, fmt: str) -> bytes:
    return (render_pdf if fmt == "PDF" else render_ofd)(certificate_data(certificate))


def resign(certificate, fmt: str) -> bytes:
    """The same certificate, signed as SH but with a key that is not SH's registered key."""
    sign = sign_pdf if fmt == "PDF" else sign_ofd
    return sign(render(certificate, fmt), key_for("forger"), SignerInfo(certificate.region))


def altered(content: bytes, fmt: str) -> bytes:
    """One byte changed inside the signed content."""
    data = bytearray(content)
    if fmt == "PDF":
        index = data.index(b"/Contents <") - 200 if b"/Contents <" in data else len(data) // 3
    else:
        index = len(data) // 2
    data[index] ^= 0x01
    return bytes(data)


def verify(app, content: bytes, fmt: str):
    return app.call(VERIFY, audit(fileEntity=base64.b64encode(content).decode("ascii"), fileFormat=fmt))


@pytest.mark.parametrize("fmt", FORMATS)
def test_genuine_file_of_a_valid_certificate_is_verified(app, regional_nodes, fmt):
    response = verify(app, genuine_file(regional_nodes["SH"], ID_CARD, fmt), fmt)
    assert response.ok, response.message
    assert response.data["result"] == "1"
    assert response.data["certificateStatus"] == "valid"
    assert response.data["regionCode"] == "SH"
    assert response.data["certificateNumber"] == ID_CARD.number
    record = Retrieval.objects.get(kind=RetrievalKind.VERIFY)
    assert [(i.region.code, i.certificate_number) for i in record.items.all()] == [("SH", ID_CARD.number)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_altered_file_fails(app, regional_nodes, fmt):
    response = verify(app, altered(genuine_file(regional_nodes["SH"], ID_CARD, fmt), fmt), fmt)
    assert response.ok
    assert response.data["result"] == "0"
    assert response.data["reason"] in {"文件完整性校验失败", "签名验证失败", "文件结构无法解析", "签名数据格式错误"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_resigned_with_another_key_fails(app, fmt):
    response = verify(app, resign(ID_CARD, fmt), fmt)
    assert response.data["result"] == "0"
    assert response.data["reason"] == "签名密钥与颁证地区登记的公钥不一致"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unsigned_file_fails(app, fmt):
    response = verify(app, render(ID_CARD, fmt), fmt)
    assert response.data["result"] == "0"
    assert response.data["reason"] == "未找到签名"


@pytest.mark.parametrize("fmt", FORMATS)
def test_genuine_file_of_a_revoked_certificate_fails(app, regional_nodes, fmt):
    # The node no longer hands the file out; this is the file it signed while the certificate was valid.
    sign = sign_pdf if fmt == "PDF" else sign_ofd
    issued = sign(render(REVOKED, fmt), regional_nodes["SH"].private_key, SignerInfo("SH"))
    response = verify(app, issued, fmt)
    assert response.data["result"] == "0"
    assert response.data["certificateStatus"] == "revoked"
    assert "注销或吊销" in response.data["reason"]


def test_status_unconfirmed_when_the_issuing_region_is_down(app, regional_nodes):
    content = genuine_file(regional_nodes["SH"], ID_CARD, "PDF")
    with regional_nodes.down("SH"):
        response = verify(app, content, "PDF")
    assert response.data["result"] == "0"
    assert "无法向颁证地区" in response.data["reason"]
    assert "certificateStatus" not in response.data


def test_format_mismatch_and_garbage_fail(app, regional_nodes):
    pdf = genuine_file(regional_nodes["SH"], ID_CARD, "PDF")
    assert verify(app, pdf, "OFD").data["result"] == "0"
    assert verify(app, b"not a certificate file", "PDF").data == {"result": "0", "reason": "文件结构无法解析"}


@pytest.mark.parametrize(
    "params, field",
    [
        ({"fileEntity": "%%%not base64%%%", "fileFormat": "PDF"}, "BASE64"),
        ({"fileEntity": "", "fileFormat": "PDF"}, "fileEntity"),
        ({"fileEntity": "JVBERi0=", "fileFormat": "DOC"}, "fileFormat"),
    ],
)
def test_bad_input_is_refused_with_1007(app, params, field):
    response = app.call(VERIFY, audit(**params))
    assert response.status == "1007"
    assert field in response.message
    assert not Retrieval.objects.exists()


def test_the_status_call_commits_with_the_answer_or_not_at_all(app, regional_nodes, monkeypatch):
    from django.db import DatabaseError

    from trust.models import EnvelopeCall

    content = genuine_file(regional_nodes["SH"], ID_CARD, "PDF")
    real_bulk_create = Retrieval.objects.bulk_create

    def refuse_once(*args, **kwargs):
        # The region's record is in the same transaction as the retrieval record: not written yet.
        assert not EnvelopeCall.objects.filter(direction="out", endpoint="/api/v1/certificates/status").exists()
        monkeypatch.setattr(Retrieval.objects, "bulk_create", real_bulk_create)
        raise DatabaseError("could not extend file")

    monkeypatch.setattr(Retrieval.objects, "bulk_create", refuse_once)
    refused = verify(app, content, "PDF")
    assert refused.status == "9999" and "result" not in (refused.data or {})
    assert not Retrieval.objects.exists()
    answered = verify(app, content, "PDF")
    assert answered.data["result"] == "1"
    served = EnvelopeCall.objects.filter(direction="in", endpoint=VERIFY, status_code="0").get()
    made = EnvelopeCall.objects.get(direction="out", endpoint="/api/v1/certificates/status", request_id=served.request_id)
    assert made.account_id == "SH"
    assert Retrieval.objects.get(kind=RetrievalKind.VERIFY).request_id == served.request_id
