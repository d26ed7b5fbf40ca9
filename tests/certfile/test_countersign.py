"""Countersigned files (11.4): what the verifier reads from the region's revision, and what it refuses."""

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from pypdf import PdfWriter

from ysj_protocol.certfile import CertFileError, VerificationCode, render_pdf, verify_file
from ysj_protocol.certfile import countersign as countersign_module
from ysj_protocol.certfile.countersign import countersign_ofd, countersign_pdf, original_revision
from ysj_protocol.certfile.signer import ApplicationSignerInfo
from ysj_protocol.crypto import sm2

from .factories import genuine_ofd, genuine_pdf, make_certificate, region_key, registry, zip_files

APP_KEY = sm2.PrivateKey.generate()


def app_keys(app_id: str) -> sm2.PublicKey | None:
    return APP_KEY.public_key if app_id == "app-1" else None


def application() -> ApplicationSignerInfo:
    return ApplicationSignerInfo("app-1", signing_time=datetime(2026, 11, 30, tzinfo=UTC))


@dataclass(frozen=True)
class RegionLikeSigner:
    """A second signature made as a region would sign (its certificate's O is a region's)."""

    app_id: str = "SH"
    signing_time: datetime = field(default_factory=lambda: datetime(2026, 11, 30, tzinfo=UTC))
    reason: str = "电子证照签发"
    provider: str = "other"
    common_name: str = "上海市"
    organization: str = "上海市电子证照管理系统"


def test_the_certificate_data_comes_from_the_regions_revision_pdf():
    """An update that adds another certificate.json is covered by the countersignature, but the
    verifier reads the data the region signed, from its own revision."""
    writer = PdfWriter(io.BytesIO(genuine_pdf()), incremental=True)
    forged = json.loads(writer.attachments["certificate.json"][0])
    forged["certificateNumber"] = "FORGED-0001"
    writer.add_attachment("certificate.json", json.dumps(forged, ensure_ascii=False).encode())
    out = io.BytesIO()
    writer.write(out)
    signed = countersign_pdf(out.getvalue(), APP_KEY, application())
    result = verify_file(signed, "PDF", registry(), app_keys)
    assert result.ok, result.detail
    assert result.certificate_number == "91310115MA1K4XXXXA"


@pytest.mark.parametrize("fmt", ["PDF", "OFD"])
def test_a_second_signature_that_is_not_an_applications_is_refused(fmt):
    countersign = countersign_pdf if fmt == "PDF" else countersign_ofd
    content = genuine_pdf() if fmt == "PDF" else genuine_ofd()
    signed = countersign(content, region_key("SH"), RegionLikeSigner())
    result = verify_file(signed, fmt, registry(), lambda app_id: region_key("SH").public_key)
    assert result.code is VerificationCode.NOT_APPLICATION_SIGNER
    assert result.reason == "颁证签名之后的签名不是应用系统签名"


@pytest.mark.parametrize("fmt", ["PDF", "OFD"])
def test_three_signatures_are_refused(fmt, monkeypatch):
    countersign = countersign_pdf if fmt == "PDF" else countersign_ofd
    content = genuine_pdf() if fmt == "PDF" else genuine_ofd()
    once = countersign(content, APP_KEY, application())
    monkeypatch.setattr(countersign_module, "MAX_SIGNATURES", 3)  # the writer's limit only
    twice = countersign(once, APP_KEY, application())
    assert verify_file(twice, fmt, registry(), app_keys).code is VerificationCode.MULTIPLE_SIGNATURES


@pytest.mark.parametrize("fmt", ["PDF", "OFD"])
def test_the_application_is_the_certificates_cn_and_the_result_says_so(fmt):
    countersign = countersign_pdf if fmt == "PDF" else countersign_ofd
    content = genuine_pdf() if fmt == "PDF" else genuine_ofd()
    result = verify_file(countersign(content, APP_KEY, application()), fmt, registry(), app_keys)
    assert result.ok
    assert result.application.app_id == "app-1"
    assert result.application.signed_at == datetime(2026, 11, 30, tzinfo=UTC)
    assert result.signer_fingerprint == region_key("SH").public_key.fingerprint()


@pytest.mark.parametrize("fmt", ["PDF", "OFD"])
def test_the_regions_file_is_taken_back_out_whole(fmt):
    """From a watermarked and countersigned file: exactly what the region issued, which any
    one-signature verifier (the hub's 12.1.10 among them) accepts as issued."""
    from ysj_protocol.usage import UseContext, watermark

    issued = genuine_pdf() if fmt == "PDF" else genuine_ofd()
    use = UseContext(scenario_name="不动产登记", biz_num="B1", item_org="某中心", time=datetime.now(UTC))
    countersign = countersign_pdf if fmt == "PDF" else countersign_ofd
    signed = countersign(watermark(issued, file_format=fmt, use=use), APP_KEY, application())
    original = original_revision(signed, fmt)
    if fmt == "PDF":
        assert original == issued
    else:
        assert zip_files(original) == zip_files(issued)
    result = verify_file(original, fmt, registry())
    assert result.ok and result.application is None


def test_a_file_without_a_signature_has_no_original():
    with pytest.raises(CertFileError):
        original_revision(render_pdf(make_certificate()), "PDF")
