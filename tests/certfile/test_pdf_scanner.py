"""The byte-level reader of PDF signature dictionaries used by verification."""

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from ysj_protocol.certfile import CertFileError, VerificationCode, verify_file
from ysj_protocol.certfile.pdf_signature import check_byte_range, find_signatures, scan_signature_object

from .factories import genuine_pdf, registry


def _scan(body: bytes):
    content = b"%PDF-1.7\n" + b"7 0 obj\n" + body + b"\nendobj\n"
    return content, scan_signature_object(content, len(b"%PDF-1.7\n"), 7, 0)


def test_reads_names_numbers_arrays_strings_and_nested_dictionaries() -> None:
    content, sig = _scan(
        b"<</Type /Sig % a comment with ) and >> inside\n"
        b"/Name (Shanghai \\) (nested) text) /M (D:2025) /ByteRange [0 10 20 30]"
        b"/Prop_Build <</App <</Name /YSJ_Portal>>>> /P 3 0 R /Flag true /Scale 1.5"
        b"/Contents <0A0b>>>"
    )
    assert sig.entries["/Type"] == "/Sig"
    assert sig.entries["/ByteRange"] == [0, 10, 20, 30]
    assert sig.entries["/Prop_Build"] == {"/App": {"/Name": "/YSJ_Portal"}}
    assert sig.entries["/Flag"] is True and sig.entries["/Scale"] == 1.5
    start, end = sig.contents_span
    assert content[start:end] == b"<0A0b>"


@pytest.mark.parametrize(
    "body",
    [
        b"<</Contents <00",
        b"<</Contents (unterminated",
        b"<</Type /Sig /Type /Sig>>",
        b"<<(key) 1>>",
        b"[/Not a dictionary]",
        b"<<" * 40 + b">>" * 40,
        b"<</Bad @>>",
    ],
)
def test_malformed_dictionaries_are_rejected(body: bytes) -> None:
    with pytest.raises(CertFileError):
        _scan(body)


def test_literal_contents_has_no_hex_span() -> None:
    content, sig = _scan(b"<</ByteRange [0 1 2 3] /Contents (0000)>>")
    assert sig.contents_span is None
    with pytest.raises(CertFileError):
        check_byte_range(sig, content)


def test_wrong_object_number_at_offset_is_rejected() -> None:
    content = b"%PDF-1.7\n8 0 obj\n<</Type /Sig>>\nendobj\n"
    with pytest.raises(CertFileError):
        scan_signature_object(content, 9, 7, 0)


def test_byte_range_must_point_at_this_dictionary_contents() -> None:
    content = genuine_pdf()
    (sig,) = find_signatures(PdfReader(io.BytesIO(content)), content)
    start, end = sig.contents_span
    shifted = dict(sig.entries, **{"/ByteRange": [0, start - 1, end + 1, len(content) - end - 1]})
    with pytest.raises(CertFileError):
        check_byte_range(type(sig)(entries=shifted, contents_span=sig.contents_span), content)
    assert check_byte_range(sig, content).gap_start == start


def test_direct_signature_value_is_refused() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(genuine_pdf())))
    field = writer.root_object["/AcroForm"]["/Fields"][0].get_object()
    field[NameObject("/V")] = field["/V"].get_object()  # inline the dictionary
    out = io.BytesIO()
    writer.write(out)
    result = verify_file(out.getvalue(), "PDF", registry())
    assert not result.ok and result.code is VerificationCode.BAD_SIGNATURE_FORMAT
