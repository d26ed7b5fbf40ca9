"""render_pdf: the page opens with pypdf, the surface text is extractable, the data is embedded."""

import io

import pytest
from pypdf import PdfReader

from ysj_protocol.certfile import CertFileError, CertificateData, render_pdf
from ysj_protocol.certfile.pdf import ATTACHMENT_NAME

from .factories import make_certificate, make_id_card


def _reader(content: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(content), strict=True)


def test_pdf_opens_and_has_one_a4_page() -> None:
    reader = _reader(render_pdf(make_certificate()))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_surface_text_is_extractable() -> None:
    data = make_certificate()
    text = _reader(render_pdf(data)).pages[0].extract_text()
    for expected in (
        "营业执照",
        data.certificate_number,
        data.holder_name,
        "统一社会信用代码",
        data.issue_dept,
        "李明",
        "人民币500.0000万元整",
        "2024年03月15日 至 长期",
        "上海市（310000）",
    ):
        assert expected in text, expected


def test_long_values_are_wrapped_not_lost() -> None:
    data = make_certificate()
    text = _reader(render_pdf(data)).pages[0].extract_text().replace("\n", "")
    assert data.surface["经营范围"] in text


def test_fixed_validity_end_is_shown() -> None:
    text = _reader(render_pdf(make_id_card())).pages[0].extract_text()
    assert "2019年07月01日 至 2039年06月30日" in text
    assert "浙江省（330000）" in text


def test_certificate_data_is_embedded_as_json() -> None:
    data = make_id_card()
    reader = _reader(render_pdf(data))
    (payload,) = reader.attachments[ATTACHMENT_NAME]
    assert CertificateData.from_json(payload) == data


def test_info_dictionary_names_region_and_number() -> None:
    data = make_certificate()
    meta = _reader(render_pdf(data)).metadata
    assert meta["/YSJRegionCode"] == "SH"
    assert meta["/YSJCertificateNumber"] == data.certificate_number
    assert meta["/YSJCertificateId"] == data.internal_id
    assert meta.title == f"营业执照（{data.certificate_number}）"


def test_qr_code_is_drawn_as_vector_modules() -> None:
    content = _reader(render_pdf(make_certificate())).pages[0].get_contents().get_data()
    # Dozens of filled rectangles (" re f") make up the code.
    assert content.count(b" re f") > 50


def test_unsigned_pdf_has_no_signature_field() -> None:
    reader = _reader(render_pdf(make_certificate()))
    assert "/AcroForm" not in reader.trailer["/Root"]


def test_surface_too_long_for_one_page_is_refused() -> None:
    surface = {f"项目{i}": "内容" * 40 for i in range(30)}
    with pytest.raises(CertFileError):
        render_pdf(make_certificate(surface=surface))
