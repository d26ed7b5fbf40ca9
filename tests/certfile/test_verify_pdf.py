"""verify_file on PDF: genuine files pass; any change, a foreign key or a missing signature fails."""

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from ysj_protocol.certfile import VerificationCode, render_pdf, verify_file
from ysj_protocol.certfile.pdf import CONTENTS_RESERVED

from .factories import (
    genuine_pdf,
    make_certificate,
    make_id_card,
    region_key,
    registry,
    signed_pdf,
    signer,
)


def _verify(content: bytes, lookup=None):
    return verify_file(content, "PDF", lookup or registry())


def _gap(content: bytes) -> tuple[int, int]:
    start = content.index(b"/Contents <") + len(b"/Contents ")
    return start, start + 2 * CONTENTS_RESERVED + 2


def _replace_at(content: bytes, index: int, new: bytes) -> bytes:
    assert content[index : index + len(new)] != new
    return content[:index] + new + content[index + len(new) :]


def test_format_name_is_case_insensitive() -> None:
    assert verify_file(genuine_pdf(), " pdf ", registry()).ok


def test_other_region_certificate_verifies_against_its_own_key() -> None:
    result = _verify(signed_pdf(make_id_card()))
    assert result.ok and result.region_code == "ZJ"


def test_one_byte_changed_in_the_embedded_data_fails_integrity() -> None:
    content = genuine_pdf()
    number = make_certificate().certificate_number.encode()
    index = content.index(b'"certificateNumber":"' + number) + len(b'"certificateNumber":"')
    result = _verify(_replace_at(content, index, b"8"))
    assert not result.ok
    assert result.code is VerificationCode.INTEGRITY
    assert result.reason == "文件完整性校验失败"
    assert result.region_code is None and result.certificate_number is None


def test_one_byte_changed_in_the_page_stream_fails_integrity() -> None:
    content = genuine_pdf()
    index = content.index(b"stream\n", content.index(b"/FlateDecode")) + 20
    result = _verify(content[:index] + bytes([content[index] ^ 0x01]) + content[index + 1 :])
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_bytes_appended_after_signing_fail_integrity() -> None:
    result = _verify(genuine_pdf() + b"\n% appended\n")
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_incremental_update_after_signing_fails_integrity() -> None:
    writer = PdfWriter(io.BytesIO(genuine_pdf()), incremental=True)
    writer.add_metadata({"/YSJCertificateNumber": "FORGED"})
    out = io.BytesIO()
    writer.write(out)
    updated = out.getvalue()
    assert updated.startswith(genuine_pdf()) and len(updated) > len(genuine_pdf())
    result = _verify(updated)
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_changed_signature_bytes_fail() -> None:
    content = genuine_pdf()
    start, _ = _gap(content)
    index = start + 200  # inside the DER, in the signer certificate
    digit = b"1" if content[index : index + 1] != b"1" else b"2"
    result = _verify(_replace_at(content, index, digit))
    assert not result.ok
    assert result.code in {
        VerificationCode.BAD_SIGNATURE_FORMAT,
        VerificationCode.SIGNATURE_INVALID,
        VerificationCode.INTEGRITY,
    }


def test_changed_padding_in_contents_fails() -> None:
    content = genuine_pdf()
    _, end = _gap(content)
    result = _verify(_replace_at(content, end - 10, b"7"))
    assert not result.ok and result.code is VerificationCode.BAD_SIGNATURE_FORMAT


def test_case_change_in_contents_hex_fails() -> None:
    content = genuine_pdf()
    start, end = _gap(content)
    index = next(i for i in range(start + 1, end) if content[i : i + 1] in b"ABCDEF")
    result = _verify(_replace_at(content, index, content[index : index + 1].lower()))
    assert not result.ok


def test_signature_from_another_file_fails_integrity() -> None:
    genuine = genuine_pdf()
    other = signed_pdf(make_certificate(certificate_number="91310115MA1K4XXXXB"))
    g_start, g_end = _gap(genuine)
    o_start, o_end = _gap(other)
    transplanted = other[:o_start] + genuine[g_start:g_end] + other[o_end:]
    result = _verify(transplanted)
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_signed_by_another_region_claiming_to_be_the_issuer_fails_key_check() -> None:
    # Jiangsu's genuine key signing a certificate whose data says Shanghai issued it.
    result = _verify(signed_pdf(make_certificate(region_code="SH"), key=region_key("JS")))
    assert not result.ok and result.code is VerificationCode.KEY_MISMATCH


def test_registry_errors_propagate() -> None:
    def broken(code: str):
        raise ConnectionError("registry down")

    with pytest.raises(ConnectionError):
        verify_file(genuine_pdf(), "PDF", broken)


def test_unsigned_pdf_has_no_signature() -> None:
    result = _verify(render_pdf(make_certificate()))
    assert not result.ok
    assert result.code is VerificationCode.NO_SIGNATURE
    assert result.reason == "未找到签名"


def test_signature_field_stripped_has_no_signature() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine_pdf())))
    del writer.root_object[NameObject("/AcroForm")]
    del writer.pages[0][NameObject("/Annots")]
    out = io.BytesIO()
    writer.write(out)
    result = _verify(out.getvalue())
    assert not result.ok and result.code is VerificationCode.NO_SIGNATURE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_any_single_byte_change_fails(position: float, mask: int) -> None:
    content = bytearray(genuine_pdf())
    index = int(position * len(content))
    content[index] ^= mask
    result = _verify(bytes(content))
    assert not result.ok, (index, mask)


def test_signed_pdf_without_certificate_data_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from ysj_protocol.certfile import pdf as pdf_module

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(render_pdf(make_certificate()))))
    del writer.root_object[NameObject("/Names")]
    out = io.BytesIO()
    writer.write(out)
    # Signing checks the embedded data; pretend it was there to obtain such a file.
    monkeypatch.setattr(pdf_module, "read_embedded_data", lambda reader: make_certificate())
    signed = pdf_module.sign_pdf(out.getvalue(), region_key("SH"), signer("SH"))
    monkeypatch.undo()
    result = _verify(signed)
    assert not result.ok and result.code is VerificationCode.NO_CERTIFICATE_DATA
    assert result.reason == "未找到证照数据"
