"""sign_ofd: the GB/T 33190 signature structure with SM3 references and an SM2/SM3 CMS."""

import base64

import pytest
from lxml import etree

from ysj_protocol.certfile import CertFileError, SignerInfo, render_ofd, sign_ofd
from ysj_protocol.crypto import sm2

from . import cmscheck
from .factories import SIGNING_TIME, genuine_ofd, independent_sm3, make_certificate, region_key, zip_files
from .test_render_ofd import EXPECTED_FILES, NS

SIGN_FILES = {
    "Doc_0/Signs/Signatures.xml",
    "Doc_0/Signs/Sign_0/Signature.xml",
    "Doc_0/Signs/Sign_0/SignedValue.dat",
}


def test_signed_package_adds_exactly_the_signature_files() -> None:
    files = zip_files(genuine_ofd())
    assert set(files) == EXPECTED_FILES | SIGN_FILES


def test_ofd_xml_points_at_signatures_in_schema_order() -> None:
    ofd = etree.fromstring(zip_files(genuine_ofd())["OFD.xml"])
    body = ofd.find("ofd:DocBody", namespaces=NS)
    names = [etree.QName(child).localname for child in body]
    assert names == ["DocInfo", "DocRoot", "Signatures"]
    assert body.findtext("ofd:Signatures", namespaces=NS) == "Doc_0/Signs/Signatures.xml"


def test_signatures_list() -> None:
    signatures = etree.fromstring(zip_files(genuine_ofd())["Doc_0/Signs/Signatures.xml"])
    assert signatures.findtext("ofd:MaxSignId", namespaces=NS) == "1"
    (entry,) = signatures.findall("ofd:Signature", namespaces=NS)
    assert entry.get("Type") == "Sign"
    assert entry.get("BaseLoc") == "/Doc_0/Signs/Sign_0/Signature.xml"


def test_signature_xml_references_every_other_file_with_its_sm3() -> None:
    files = zip_files(genuine_ofd())
    signature = etree.fromstring(files["Doc_0/Signs/Sign_0/Signature.xml"])
    info = signature.find("ofd:SignedInfo", namespaces=NS)
    assert info.findtext("ofd:SignatureMethod", namespaces=NS) == cmscheck.SM2_SM3_OID
    assert info.findtext("ofd:SignatureDateTime", namespaces=NS) == "20250601083000Z"
    assert info.find("ofd:Provider", namespaces=NS).get("ProviderName")
    references = info.find("ofd:References", namespaces=NS)
    assert references.get("CheckMethod") == cmscheck.SM3_OID
    checked = {}
    for reference in references.findall("ofd:Reference", namespaces=NS):
        path = reference.get("FileRef")
        assert path.startswith("/")
        checked[path[1:]] = base64.b64decode(reference.findtext("ofd:CheckValue", namespaces=NS))
    assert set(checked) == EXPECTED_FILES
    for path, value in checked.items():
        assert value == independent_sm3(files[path]), path
    assert signature.findtext("ofd:SignedValue", namespaces=NS) == "/Doc_0/Signs/Sign_0/SignedValue.dat"


def test_signed_value_is_a_cms_over_the_stored_signature_xml() -> None:
    files = zip_files(genuine_ofd())
    info = cmscheck.load(files["Doc_0/Signs/Sign_0/SignedValue.dat"])
    (signer_info,) = info["content"]["signer_infos"]
    assert signer_info["digest_algorithm"]["algorithm"].dotted == cmscheck.SM3_OID
    assert signer_info["signature_algorithm"]["algorithm"].dotted == cmscheck.SM2_SM3_OID
    assert cmscheck.attr(signer_info, "message_digest") == independent_sm3(
        files["Doc_0/Signs/Sign_0/Signature.xml"]
    )
    assert cmscheck.attr(signer_info, "signing_time") == SIGNING_TIME
    public_key = region_key("SH").public_key
    assert sm2.verify(public_key, cmscheck.signed_attrs_der(signer_info), signer_info["signature"].native)
    (cert,) = info["content"]["certificates"]
    assert cert.chosen.subject.native["common_name"] == "上海市"


def test_openssl_parses_the_signed_value_and_verifies_its_sm2_signature() -> None:
    der = zip_files(genuine_ofd())["Doc_0/Signs/Sign_0/SignedValue.dat"]
    assert "pkcs7-signedData" in cmscheck.openssl_print(der)
    cmscheck.assert_openssl_accepts(cmscheck.load(der))


def test_signing_twice_is_refused() -> None:
    with pytest.raises(CertFileError, match="already signed"):
        sign_ofd(genuine_ofd(), region_key("SH"), SignerInfo("SH"))


def test_signing_as_another_region_than_the_issuer_is_refused() -> None:
    with pytest.raises(CertFileError):
        sign_ofd(render_ofd(make_certificate()), region_key("AH"), SignerInfo("AH"))


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04broken", b"%PDF-1.4"])
def test_garbage_cannot_be_signed(content: bytes) -> None:
    with pytest.raises(CertFileError):
        sign_ofd(content, region_key("SH"), SignerInfo("SH"))
