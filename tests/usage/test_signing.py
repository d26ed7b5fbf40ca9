"""11.4 signature: the application countersigns a watermarked file; both signatures verify locally."""

from datetime import UTC, datetime
from functools import cache

import pytest

from ysj_protocol.certfile import VerificationCode, verify_file
from ysj_protocol.certfile.countersign import original_path
from ysj_protocol.crypto import sm2
from ysj_protocol.usage import UsageError, check_signature, sign, watermark

from ..certfile.factories import make_zip, zip_files
from .factories import APP_ID, USE, app_key, app_keys, genuine_ofd, genuine_pdf, registry

FORMATS = ["pdf", "ofd"]
SIGNED_AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


@cache
def region_signed(fmt: str) -> bytes:
    return genuine_pdf() if fmt == "pdf" else genuine_ofd()


@cache
def countersigned(fmt: str) -> bytes:
    marked = watermark(region_signed(fmt), file_format=fmt, use=USE)
    return sign(marked, file_format=fmt, private_key=app_key(), app_id=APP_ID, signing_time=SIGNED_AT)


@pytest.mark.parametrize("fmt", FORMATS)
def test_both_signatures_verify_and_the_application_is_named(fmt):
    result = verify_file(countersigned(fmt), fmt.upper(), registry(), app_keys)
    assert result.ok, result.detail
    assert result.region_code == "SH" and result.certificate_number == "91310115MA1K4XXXXA"
    assert result.application is not None
    assert result.application.app_id == APP_ID
    assert result.application.signed_at == SIGNED_AT
    assert result.application.signer_fingerprint == app_key().public_key.fingerprint()
    assert (
        check_signature(countersigned(fmt), file_format=fmt, public_key=app_key().public_key).app_id == APP_ID
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_signed_without_a_watermark_verifies_too(fmt):
    signed = sign(region_signed(fmt), file_format=fmt, private_key=app_key(), app_id=APP_ID)
    assert verify_file(signed, fmt.upper(), registry(), app_keys).application.app_id == APP_ID


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_region_signed_file_verifies_as_before(fmt):
    result = verify_file(region_signed(fmt), fmt.upper(), registry(), app_keys)
    assert result.ok and result.application is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_the_applications_key_a_countersigned_file_is_not_accepted(fmt):
    result = verify_file(countersigned(fmt), fmt.upper(), registry())
    assert result.code is VerificationCode.APPLICATION_KEY_UNKNOWN
    result = verify_file(
        countersigned(fmt), fmt.upper(), registry(), lambda app_id: sm2.PrivateKey.generate().public_key
    )
    assert result.code is VerificationCode.APPLICATION_KEY_MISMATCH
    with pytest.raises(UsageError, match="应用系统签名核验失败"):
        check_signature(countersigned(fmt), file_format=fmt, public_key=sm2.PrivateKey.generate().public_key)


def test_a_byte_changed_anywhere_after_signing_is_detected_pdf():
    content = countersigned("pdf")
    region_end = len(region_signed("pdf"))
    # Positions in the region's revision, the watermark's update and the countersignature's update.
    step = max(1, len(content) // 97)
    for index in list(range(0, len(content), step)) + [region_end - 10, region_end + 10, len(content) - 5]:
        altered = bytearray(content)
        altered[index] ^= 0x20
        result = verify_file(bytes(altered), "PDF", registry(), app_keys)
        assert not result.ok, index


def test_a_changed_file_in_the_package_is_detected_ofd():
    files = zip_files(countersigned("ofd"))
    for name in files:
        if name == "Doc_0/Signs/Signatures.xml":
            continue
        altered = dict(files)
        altered[name] = files[name] + b" "
        result = verify_file(make_zip(altered), "OFD", registry(), app_keys)
        assert not result.ok, name


def test_the_kept_original_must_be_what_the_region_signed_ofd():
    """The countersignature covers Originals/ too, and the region's check reads from it."""
    files = zip_files(countersigned("ofd"))
    kept = original_path("Doc_0", "Doc_0/Document.xml")
    assert kept in files
    altered = dict(files)
    altered[kept] = files["Doc_0/Document.xml"]  # the watermarked one passed off as the original
    assert verify_file(make_zip(altered), "OFD", registry(), app_keys).code is VerificationCode.INTEGRITY


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_second_countersignature_is_refused(fmt):
    with pytest.raises(UsageError, match="application signature"):
        sign(countersigned(fmt), file_format=fmt, private_key=app_key(), app_id=APP_ID)


@pytest.mark.parametrize("app_id", ["", "x" * 65, "bad\nid"])
def test_an_invalid_app_id_is_refused(app_id):
    with pytest.raises(UsageError, match="app_id"):
        sign(genuine_pdf(), file_format="pdf", private_key=app_key(), app_id=app_id)
