"""CertificateData: validation, JSON round trip, the QR reference."""

from datetime import date

import pytest

from ysj_protocol.certfile import CertFileError, CertificateData, parse_qr_reference, qr_reference
from ysj_protocol.certfile.model import REGIONS

from .factories import make_certificate, make_id_card


def test_json_round_trip_keeps_every_field_and_surface_order() -> None:
    data = make_certificate()
    again = CertificateData.from_json(data.to_json())
    assert again == data
    assert list(again.surface) == list(data.surface)


def test_json_uses_section_12_names_and_readable_chinese() -> None:
    raw = make_id_card().to_json()
    assert "王小红".encode() in raw
    text = raw.decode()
    for name in ("certificateNumber", "certificateHolderCode", "certificateHolderType", "issueDept"):
        assert f'"{name}"' in text
    assert '"certificateValidateEnd":"2039-06-30"' in text


def test_indefinite_validity_is_an_empty_end() -> None:
    data = make_certificate(valid_until=None)
    assert data.indefinite
    assert data.to_dict()["certificateValidateEnd"] == ""
    assert CertificateData.from_dict(data.to_dict()).valid_until is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"region_code": "BJ"},
        {"certificate_number": "  "},
        {"holder_name": "张\x00三"},
        {"internal_id": "has space"},
        {"internal_id": ""},
        {"valid_from": date(2024, 1, 2), "valid_until": date(2024, 1, 1)},
        {"surface": {"住所": "a\x07b"}},
        {"surface": {"住所": 5}},
    ],
)
def test_invalid_data_is_rejected(overrides: dict) -> None:
    with pytest.raises(CertFileError):
        make_certificate(**overrides)


def test_multiline_surface_value_is_allowed() -> None:
    assert make_certificate(surface={"备注": "第一行\n第二行"}).surface["备注"] == "第一行\n第二行"


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[]", b'{"schema":"other"}', b'{"schema":"ysj.certificate/1"}'],
)
def test_malformed_json_is_rejected(raw: bytes) -> None:
    with pytest.raises(CertFileError):
        CertificateData.from_json(raw)


def test_wrong_date_in_json_is_rejected() -> None:
    raw = make_certificate().to_dict()
    raw["issueDate"] = "2024-13-01"
    with pytest.raises(CertFileError):
        CertificateData.from_dict(raw)


def test_regions_and_division_codes() -> None:
    assert {code: r.division_code for code, r in REGIONS.items()} == {
        "SH": "310000",
        "JS": "320000",
        "ZJ": "330000",
        "AH": "340000",
    }


def test_qr_reference_round_trip_with_awkward_number() -> None:
    data = make_certificate(certificate_number="沪|2024/第 001 号")
    text = qr_reference(data)
    assert text.startswith("YSJ1|SH|sh-0001-a7f3|")
    ref = parse_qr_reference(text)
    assert (ref.region_code, ref.internal_id, ref.certificate_number) == (
        "SH",
        "sh-0001-a7f3",
        "沪|2024/第 001 号",
    )


@pytest.mark.parametrize("text", ["", "YSJ1|SH|x", "YSJ2|SH|x|y", "YSJ1|BJ|x|y", "YSJ1|SH||y"])
def test_foreign_qr_text_is_rejected(text: str) -> None:
    with pytest.raises(CertFileError):
        parse_qr_reference(text)
