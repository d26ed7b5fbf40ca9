"""sign_pdf: a real adbe.pkcs7.detached signature with an SM2/SM3 CMS, checked independently."""

import io

import pytest
from pypdf import PdfReader

from ysj_protocol.certfile import CertFileError, SignerInfo, render_pdf, sign_pdf
from ysj_protocol.crypto import sm2

from . import cmscheck
from .factories import SIGNING_TIME, genuine_pdf, independent_sm3, make_certificate, region_key


def _signature(content: bytes) -> tuple[PdfReader, dict]:
    reader = PdfReader(io.BytesIO(content), strict=True)
    acroform = reader.trailer["/Root"]["/AcroForm"]
    (field,) = [f.get_object() for f in acroform["/Fields"]]
    assert field["/FT"] == "/Sig"
    return reader, field


def test_signed_pdf_still_opens_and_shows_the_text() -> None:
    reader, _ = _signature(genuine_pdf())
    assert make_certificate().holder_name in reader.pages[0].extract_text()


def test_signature_field_and_dictionary() -> None:
    reader, field = _signature(genuine_pdf())
    assert reader.trailer["/Root"]["/AcroForm"]["/SigFlags"] == 3
    sig = field["/V"]
    assert sig["/Type"] == "/Sig"
    assert sig["/Filter"] == "/Adobe.PPKLite"
    assert sig["/SubFilter"] == "/adbe.pkcs7.detached"
    assert sig["/M"].startswith("D:20250601083000")
    assert field["/Subtype"] == "/Widget"
    widgets = [a.get_object() for a in reader.pages[0]["/Annots"]]
    assert [w["/T"] for w in widgets if w.get("/FT") == "/Sig"] == [field["/T"]]


def test_byte_range_covers_everything_but_the_contents_string() -> None:
    content = genuine_pdf()
    _, field = _signature(content)
    start, length1, second, length2 = (int(n) for n in field["/V"]["/ByteRange"])
    assert start == 0 and second + length2 == len(content)
    assert content[length1 : length1 + 1] == b"<" and content[second - 1 : second] == b">"
    assert content[length1 - len(b"/Contents ") : length1] == b"/Contents "
    assert bytes.fromhex(content[length1 + 1 : second - 1].decode()) == bytes(field["/V"]["/Contents"])


def test_cms_structure_with_an_independent_parser() -> None:
    content = genuine_pdf()
    _, field = _signature(content)
    start, length1, second, length2 = (int(n) for n in field["/V"]["/ByteRange"])
    raw = bytes(field["/V"]["/Contents"])
    info = cmscheck.load(cmscheck.unpad(raw))
    signed_data = info["content"]
    assert [d["algorithm"].dotted for d in signed_data["digest_algorithms"]] == [cmscheck.SM3_OID]
    assert signed_data["encap_content_info"]["content_type"].native == "data"
    assert signed_data["encap_content_info"]["content"].native is None  # detached
    (signer_info,) = signed_data["signer_infos"]
    assert signer_info["digest_algorithm"]["algorithm"].dotted == cmscheck.SM3_OID
    assert signer_info["signature_algorithm"]["algorithm"].dotted == cmscheck.SM2_SM3_OID

    signed_bytes = content[:length1] + content[second:]
    assert cmscheck.attr(signer_info, "message_digest") == independent_sm3(signed_bytes)
    assert cmscheck.attr(signer_info, "content_type") == "data"
    assert cmscheck.attr(signer_info, "signing_time") == SIGNING_TIME

    public_key = region_key("SH").public_key
    assert signer_info["sid"].name == "subject_key_identifier"
    assert signer_info["sid"].chosen.native == bytes.fromhex(public_key.fingerprint())
    signature = signer_info["signature"].native
    assert sm2.verify(public_key, cmscheck.signed_attrs_der(signer_info), signature)


def test_signer_certificate_names_the_region_and_carries_the_sm2_key() -> None:
    raw = bytes(_signature(genuine_pdf())[1]["/V"]["/Contents"])
    info = cmscheck.load(cmscheck.unpad(raw))
    (choice,) = info["content"]["certificates"]
    cert = choice.chosen
    public_key = region_key("SH").public_key
    assert cert.subject.native["common_name"] == "上海市"
    assert cert.issuer == cert.subject
    spki = cert["tbs_certificate"]["subject_public_key_info"]
    assert spki["algorithm"]["parameters"].chosen.dotted == cmscheck.SM2_CURVE_OID
    assert bytes(spki["public_key"].native) == public_key.to_bytes()
    assert cert.key_identifier == bytes.fromhex(public_key.fingerprint())
    assert cert["signature_algorithm"]["algorithm"].dotted == cmscheck.SM2_SM3_OID
    # The self-issued certificate is signed by the region key itself.
    assert sm2.verify(public_key, cert["tbs_certificate"].dump(), cert["signature_value"].native)
    text = cmscheck.openssl_x509_text(cert.dump())
    assert "CN=上海市" in text or "CN = 上海市" in text


def test_openssl_parses_the_cms_and_verifies_its_sm2_signature() -> None:
    der = cmscheck.unpad(bytes(_signature(genuine_pdf())[1]["/V"]["/Contents"]))
    printed = cmscheck.openssl_print(der)
    assert "pkcs7-signedData" in printed
    assert "sm3 (1.2.156.10197.1.401)" in printed
    assert "SM2-with-SM3 (1.2.156.10197.1.501)" in printed
    cmscheck.assert_openssl_accepts(cmscheck.load(der))


def test_signing_twice_is_refused() -> None:
    with pytest.raises(CertFileError, match="already signed"):
        sign_pdf(genuine_pdf(), region_key("SH"), SignerInfo("SH"))


def test_signing_as_another_region_than_the_issuer_is_refused() -> None:
    with pytest.raises(CertFileError):
        sign_pdf(render_pdf(make_certificate()), region_key("JS"), SignerInfo("JS"))


def test_garbage_cannot_be_signed() -> None:
    with pytest.raises(CertFileError):
        sign_pdf(b"not a pdf", region_key("SH"), SignerInfo("SH"))
