"""Builders for certificate data, region keys and signed files used across the certfile tests."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes

from ysj_protocol.certfile import (
    CertificateData,
    SignerInfo,
    render_ofd,
    render_pdf,
    sign_ofd,
    sign_pdf,
)
from ysj_protocol.crypto import sm2

SIGNING_TIME = datetime(2025, 6, 1, 8, 30, 0, tzinfo=UTC)


def make_certificate(**overrides: Any) -> CertificateData:
    """A business licence (营业执照) issued in Shanghai unless overridden."""
    fields: dict[str, Any] = {
        "region_code": "SH",
        "certificate_type": "营业执照",
        "certificate_type_code": "11100000000013127D001",
        "certificate_number": "91310115MA1K4XXXXA",
        "holder_name": "上海浦江示例科技有限公司",
        "holder_code": "91310115MA1K4XXXXA",
        "holder_code_type": "统一社会信用代码",
        "issue_dept": "上海市浦东新区市场监督管理局",
        "issue_date": date(2024, 3, 15),
        "valid_from": date(2024, 3, 15),
        "valid_until": None,
        "internal_id": "sh-0001-a7f3",
        "surface": {
            "类型": "有限责任公司（自然人投资或控股）",
            "法定代表人": "李明",
            "注册资本": "人民币500.0000万元整",
            "成立日期": "2018年05月20日",
            "住所": "中国（上海）自由贸易试验区张江路100号3幢",
            "经营范围": "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
            "软件开发；信息系统集成服务。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
        },
    }
    fields.update(overrides)
    return CertificateData(**fields)


def make_id_card(**overrides: Any) -> CertificateData:
    """A person's certificate with a fixed validity end, issued in Zhejiang."""
    fields: dict[str, Any] = {
        "region_code": "ZJ",
        "certificate_type": "居民户口簿",
        "certificate_type_code": "11100000MB0341032Y001",
        "certificate_number": "330106-2019-004512",
        "holder_name": "王小红",
        "holder_code": "330106199001011234",
        "holder_code_type": "居民身份证",
        "issue_dept": "杭州市公安局西湖区分局",
        "issue_date": date(2019, 7, 1),
        "valid_from": date(2019, 7, 1),
        "valid_until": date(2039, 6, 30),
        "internal_id": "zj-7781",
        "surface": {"户别": "家庭户", "住址": "浙江省杭州市西湖区文三路1号"},
    }
    fields.update(overrides)
    return CertificateData(**fields)


@cache
def region_key(region_code: str) -> sm2.PrivateKey:
    """The registered key pair of a region, stable within one test run."""
    return sm2.PrivateKey.generate()


@cache
def rogue_key() -> sm2.PrivateKey:
    """A key registered for no region."""
    return sm2.PrivateKey.generate()


def registry(
    overrides: dict[str, sm2.PublicKey | None] | None = None,
) -> Callable[[str], sm2.PublicKey | None]:
    """`key_for_region` as the hub would pass it: the four regions' registered public keys."""
    keys: dict[str, sm2.PublicKey | None] = {
        code: region_key(code).public_key for code in ("SH", "JS", "ZJ", "AH")
    }
    keys.update(overrides or {})
    return lambda code: keys.get(code)


def signer(region_code: str = "SH") -> SignerInfo:
    return SignerInfo(region_code, signing_time=SIGNING_TIME)


def signed_pdf(data: CertificateData | None = None, key: sm2.PrivateKey | None = None) -> bytes:
    """Render and sign as the issuing region (or with `key`, claiming to be that region)."""
    data = data or make_certificate()
    return sign_pdf(render_pdf(data), key or region_key(data.region_code), signer(data.region_code))


def signed_ofd(data: CertificateData | None = None, key: sm2.PrivateKey | None = None) -> bytes:
    data = data or make_certificate()
    return sign_ofd(render_ofd(data), key or region_key(data.region_code), signer(data.region_code))


@cache
def genuine_pdf() -> bytes:
    """One genuinely signed PDF per run, shared by the tests that only read or mutate copies."""
    return signed_pdf()


@cache
def genuine_ofd() -> bytes:
    return signed_ofd()


def independent_sm3(data: bytes) -> bytes:
    """SM3 via OpenSSL (cryptography), independent of ysj_protocol.crypto."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def zip_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def make_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()
