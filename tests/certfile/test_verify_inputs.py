"""verify_file on bad input: garbage, truncated, wrong format or empty never raises."""

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ysj_protocol.certfile import REASONS, VerificationCode, verify_file

from .factories import genuine_ofd, genuine_pdf, make_zip, registry, zip_files

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">]>
<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>&lol6;</ofd:DocRoot></ofd:DocBody></ofd:OFD>"""


def _check_failure(result, code: VerificationCode | None = None) -> None:
    assert not result.ok
    assert result.reason == REASONS[result.code]
    assert result.region_code is None and result.certificate_number is None and result.internal_id is None
    if code is not None:
        assert result.code is code, result


@pytest.mark.parametrize("file_format", ["PDF", "OFD"])
def test_empty_content(file_format: str) -> None:
    result = verify_file(b"", file_format, registry())
    _check_failure(result, VerificationCode.EMPTY)
    assert result.reason == "文件内容为空"


@pytest.mark.parametrize("file_format", ["DOCX", "", None, "PDF/OFD"])
def test_unsupported_format(file_format) -> None:
    _check_failure(verify_file(genuine_pdf(), file_format, registry()), VerificationCode.UNSUPPORTED_FORMAT)


def test_pdf_declared_as_ofd_and_back() -> None:
    _check_failure(verify_file(genuine_pdf(), "OFD", registry()), VerificationCode.MALFORMED)
    _check_failure(verify_file(genuine_ofd(), "PDF", registry()), VerificationCode.MALFORMED)


@pytest.mark.parametrize("file_format", ["PDF", "OFD"])
@pytest.mark.parametrize(
    "content",
    [
        b"\x00",
        b"garbage" * 100,
        b"%PDF-1.7\n",
        b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF",
        b"PK\x03\x04",
        b"PK" + b"\xff" * 64,
    ],
)
def test_garbage(file_format: str, content: bytes) -> None:
    result = verify_file(content, file_format, registry())
    _check_failure(result)
    assert result.code in {VerificationCode.MALFORMED, VerificationCode.NO_SIGNATURE}


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated_pdf(fraction: float) -> None:
    content = genuine_pdf()
    _check_failure(verify_file(content[: int(len(content) * fraction)], "PDF", registry()))


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.999])
def test_truncated_ofd(fraction: float) -> None:
    content = genuine_ofd()
    _check_failure(verify_file(content[: int(len(content) * fraction)], "OFD", registry()))


def test_zip_without_ofd_xml() -> None:
    _check_failure(verify_file(make_zip({"hello.txt": b"hi"}), "OFD", registry()), VerificationCode.MALFORMED)


def test_ofd_xml_not_xml() -> None:
    _check_failure(
        verify_file(make_zip({"OFD.xml": b"<not xml"}), "OFD", registry()), VerificationCode.MALFORMED
    )


def test_entity_expansion_is_not_performed() -> None:
    result = verify_file(make_zip({"OFD.xml": BILLION_LAUGHS}), "OFD", registry())
    _check_failure(result)


def test_zip_bomb_is_refused_before_inflating() -> None:
    files = zip_files(genuine_ofd())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("Doc_0/Res/huge.bin", b"\x00" * (80 * 1024 * 1024))
    _check_failure(verify_file(out.getvalue(), "OFD", registry()), VerificationCode.MALFORMED)


def test_bytearray_and_memoryview_content_are_accepted() -> None:
    assert verify_file(bytearray(genuine_pdf()), "PDF", registry()).ok
    assert verify_file(memoryview(genuine_ofd()), "OFD", registry()).ok


def test_non_bytes_content() -> None:
    _check_failure(verify_file("text", "PDF", registry()), VerificationCode.MALFORMED)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=2048), file_format=st.sampled_from(["PDF", "OFD"]))
def test_arbitrary_bytes_never_raise(content: bytes, file_format: str) -> None:
    _check_failure(verify_file(content, file_format, registry()))


@settings(max_examples=50, deadline=None)
@given(prefix=st.sampled_from([b"%PDF-1.4\n", b"PK\x03\x04"]), tail=st.binary(max_size=4096))
def test_plausible_headers_with_garbage_never_raise(prefix: bytes, tail: bytes) -> None:
    _check_failure(verify_file(prefix + tail, "PDF" if prefix.startswith(b"%") else "OFD", registry()))
