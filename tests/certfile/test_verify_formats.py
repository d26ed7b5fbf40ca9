"""What verify_file promises for PDF and OFD alike: a genuine file passes and says what it is; a
file signed with a key other than the issuing region's registered one fails."""

from collections.abc import Callable

import pytest

from ysj_protocol.certfile import VerificationCode, verify_file

from .factories import (
    SIGNING_TIME,
    genuine_ofd,
    genuine_pdf,
    make_certificate,
    region_key,
    registry,
    rogue_key,
    signed_ofd,
    signed_pdf,
)

FORMATS = [
    pytest.param("PDF", genuine_pdf, signed_pdf, id="pdf"),
    pytest.param("OFD", genuine_ofd, signed_ofd, id="ofd"),
]


@pytest.mark.parametrize(("file_format", "genuine", "signed"), FORMATS)
def test_genuine_file_verifies(file_format: str, genuine: Callable[[], bytes], signed: Callable) -> None:
    data = make_certificate()
    result = verify_file(genuine(), file_format, registry())
    assert result.ok, result
    assert result.reason == "核验通过"
    assert result.code is VerificationCode.OK
    assert (result.region_code, result.certificate_number, result.internal_id) == (
        "SH",
        data.certificate_number,
        data.internal_id,
    )
    assert result.signed_at == SIGNING_TIME
    assert result.signer_fingerprint == region_key("SH").public_key.fingerprint()


@pytest.mark.parametrize(("file_format", "genuine", "signed"), FORMATS)
def test_resigned_with_an_unregistered_key_fails_key_check(
    file_format: str, genuine: Callable[[], bytes], signed: Callable
) -> None:
    result = verify_file(signed(key=rogue_key()), file_format, registry())
    assert not result.ok
    assert result.code is VerificationCode.KEY_MISMATCH
    assert result.reason == "签名密钥与颁证地区登记的公钥不一致"


@pytest.mark.parametrize(("file_format", "genuine", "signed"), FORMATS)
def test_region_without_registered_key_fails(
    file_format: str, genuine: Callable[[], bytes], signed: Callable
) -> None:
    result = verify_file(genuine(), file_format, registry({"SH": None}))
    assert not result.ok and result.code is VerificationCode.REGION_KEY_UNKNOWN
