"""verify_file on OFD: genuine packages pass; changed, added or removed files, foreign keys and
missing signatures fail."""

import re
import warnings

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ysj_protocol.certfile import VerificationCode, render_ofd, sign_ofd, verify_file

from .factories import (
    genuine_ofd,
    make_certificate,
    make_id_card,
    make_zip,
    region_key,
    registry,
    rogue_key,
    signed_ofd,
    signer,
    zip_files,
)

PAGE = "Doc_0/Pages/Page_0/Content.xml"
SIGNATURE = "Doc_0/Signs/Sign_0/Signature.xml"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"


def _verify(content: bytes, lookup=None):
    return verify_file(content, "OFD", lookup or registry())


def _with(changes: dict[str, bytes | None], base: bytes | None = None) -> bytes:
    files = zip_files(base or genuine_ofd())
    for name, content in changes.items():
        if content is None:
            del files[name]
        else:
            files[name] = content
    return make_zip(files)


def test_repackaging_the_same_files_still_verifies() -> None:
    # The signature covers file contents, not the zip container (order, compression, timestamps).
    files = zip_files(genuine_ofd())
    assert _verify(make_zip(dict(reversed(list(files.items()))))).ok


def test_other_region_certificate_verifies() -> None:
    result = _verify(signed_ofd(make_id_card()))
    assert result.ok and result.region_code == "ZJ"


def test_one_byte_changed_in_the_page_fails_integrity() -> None:
    page = zip_files(genuine_ofd())[PAGE]
    holder = make_certificate().holder_name.encode()
    assert holder in page
    result = _verify(_with({PAGE: page.replace(holder, "上海浦江示例科技有限公闭".encode())}))
    assert not result.ok
    assert result.code is VerificationCode.INTEGRITY
    assert result.reason == "文件完整性校验失败"


def test_changed_certificate_data_fails_integrity() -> None:
    path = "Doc_0/Attachs/certificate.json"
    raw = zip_files(genuine_ofd())[path]
    result = _verify(_with({path: raw.replace(b'"regionCode":"SH"', b'"regionCode":"JS"')}))
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_changed_image_fails_integrity() -> None:
    path = "Doc_0/Res/qrcode.png"
    raw = bytearray(zip_files(genuine_ofd())[path])
    raw[-20] ^= 0xFF
    result = _verify(_with({path: bytes(raw)}))
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_added_file_fails_integrity() -> None:
    result = _verify(_with({"Doc_0/Res/extra.png": b"\x89PNG extra"}))
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_file_added_next_to_the_signature_fails_integrity() -> None:
    result = _verify(_with({"Doc_0/Signs/Sign_0/notes.txt": b"hidden"}))
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_removed_file_fails_integrity() -> None:
    result = _verify(_with({"Doc_0/Res/qrcode.png": None}))
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_check_value_updated_with_the_tampered_page_fails() -> None:
    # Tamper with the page and fix its CheckValue: Signature.xml no longer matches the CMS digest.
    files = zip_files(genuine_ofd())
    forged_page = files[PAGE].replace(b"Size=", b"Size =", 1)
    from ysj_protocol.certfile.ofd import check_value

    signature = files[SIGNATURE].decode()
    signature = signature.replace(check_value(files[PAGE]), check_value(forged_page))
    result = _verify(_with({PAGE: forged_page, SIGNATURE: signature.encode()}))
    assert not result.ok and result.code is VerificationCode.INTEGRITY


def test_changed_signed_value_fails() -> None:
    raw = bytearray(zip_files(genuine_ofd())[SIGNED_VALUE])
    raw[-5] ^= 0x01
    result = _verify(_with({SIGNED_VALUE: bytes(raw)}))
    assert not result.ok
    assert result.code in {VerificationCode.SIGNATURE_INVALID, VerificationCode.BAD_SIGNATURE_FORMAT}


def test_md5_check_method_is_rejected() -> None:
    files = zip_files(genuine_ofd())
    signature = files[SIGNATURE].replace(
        b'CheckMethod="1.2.156.10197.1.401"', b'CheckMethod="1.2.840.113549.2.5"'
    )
    result = _verify(_with({SIGNATURE: signature}))
    assert not result.ok and result.code is VerificationCode.BAD_SIGNATURE_FORMAT


def test_stripped_and_resigned_by_another_region_fails_key_check() -> None:
    files = zip_files(genuine_ofd())
    for name in list(files):
        if name.startswith("Doc_0/Signs/"):
            del files[name]
    files["OFD.xml"] = re.sub(rb"<ofd:Signatures>[^<]*</ofd:Signatures>", b"", files["OFD.xml"])
    stripped = make_zip(files)
    assert _verify(stripped).code is VerificationCode.NO_SIGNATURE
    resigned = sign_ofd(stripped, region_key("AH"), signer("SH"))
    result = _verify(resigned)
    assert not result.ok and result.code is VerificationCode.KEY_MISMATCH


def test_unsigned_ofd_has_no_signature() -> None:
    result = _verify(render_ofd(make_certificate()))
    assert not result.ok
    assert result.code is VerificationCode.NO_SIGNATURE
    assert result.reason == "未找到签名"


def test_signature_files_removed_but_still_referenced_has_no_signature() -> None:
    changes = {name: None for name in zip_files(genuine_ofd()) if name.startswith("Doc_0/Signs/")}
    result = _verify(_with(changes))
    assert not result.ok and result.code is VerificationCode.NO_SIGNATURE


def test_signature_list_pointing_at_a_planted_signature_fails() -> None:
    # A rogue signature over the same content planted beside the genuine one and listed instead.
    rogue = zip_files(signed_ofd(key=rogue_key()))
    files = zip_files(genuine_ofd())
    listing = files["Doc_0/Signs/Signatures.xml"].replace(b"Sign_0/Signature.xml", b"Sign_1/Signature.xml")
    planted = {
        "Doc_0/Signs/Signatures.xml": listing,
        "Doc_0/Signs/Sign_1/Signature.xml": rogue[SIGNATURE].replace(
            b"Sign_0/SignedValue", b"Sign_1/SignedValue"
        ),
        "Doc_0/Signs/Sign_1/SignedValue.dat": rogue[SIGNED_VALUE],
    }
    result = _verify(_with(planted))
    assert not result.ok and result.code is VerificationCode.INTEGRITY  # Sign_0 is now an unsigned file


def test_two_listed_signatures_are_refused() -> None:
    files = zip_files(genuine_ofd())
    listing = files["Doc_0/Signs/Signatures.xml"].decode()
    entry = re.search(r"<ofd:Signature [^>]*/>", listing).group(0)
    listing = listing.replace(entry, entry + entry.replace('ID="1"', 'ID="2"'))
    result = _verify(_with({"Doc_0/Signs/Signatures.xml": listing.encode()}))
    assert not result.ok and result.code is VerificationCode.MULTIPLE_SIGNATURES


def test_duplicate_zip_entry_is_malformed() -> None:
    import io
    import zipfile

    out = io.BytesIO(genuine_ofd())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(out, "a") as archive:
            archive.writestr(PAGE, b"<ofd:Page/>")
    result = _verify(out.getvalue())
    assert not result.ok and result.code is VerificationCode.MALFORMED


def test_entry_escaping_the_package_is_malformed() -> None:
    result = _verify(_with({"../evil.xml": b"x"}))
    assert not result.ok and result.code is VerificationCode.MALFORMED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(choice=st.integers(0, 1000), position=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_any_single_byte_change_in_any_file_fails(choice: int, position: float, mask: int) -> None:
    files = zip_files(genuine_ofd())
    name = sorted(files)[choice % len(files)]
    content = bytearray(files[name])
    content[int(position * len(content))] ^= mask
    files[name] = bytes(content)
    result = _verify(make_zip(files))
    assert not result.ok, (name, position, mask)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(position=st.floats(0, 1, exclude_max=True), mask=st.integers(1, 255))
def test_byte_change_in_the_container_never_passes_changed_content(position: float, mask: int) -> None:
    # Zip metadata is not signed, so such a change may pass, but only if every file is unchanged.
    content = bytearray(genuine_ofd())
    content[int(position * len(content))] ^= mask
    result = _verify(bytes(content))
    if result.ok:
        assert zip_files(bytes(content)) == zip_files(genuine_ofd())


def test_signed_ofd_with_unreadable_certificate_data_fails(monkeypatch) -> None:
    from ysj_protocol.certfile import ofd as ofd_module

    path = "Doc_0/Attachs/certificate.json"
    broken = _with({path: b"{not json"}, base=render_ofd(make_certificate()))
    monkeypatch.setattr(ofd_module.Package, "certificate_data", lambda self: make_certificate())
    signed = sign_ofd(broken, region_key("SH"), signer("SH"))
    monkeypatch.undo()
    result = _verify(signed)
    assert not result.ok and result.code is VerificationCode.NO_CERTIFICATE_DATA
