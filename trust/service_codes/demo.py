"""Decoders of the demo format issued by the reference regional nodes (``ysj_protocol.service_code``).

One class per code type, so that each can be replaced by the region's real format on its own.
The signature is checked against the issuing region's public key in the region registry.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from ysj_protocol import service_code as sc

from ..models import Region
from .base import DecodedServiceCode, ServiceCodeDecoder


class DemoSignedCodeDecoder(ServiceCodeDecoder):
    """``YSJSC1.<type>.<region>.<payload>.<signature>`` of one type."""

    def matches(self, text: str) -> bool:
        return text.startswith(f"{sc.PREFIX}.{self.code_type}.")

    def issuer_key(self, region_code: str):
        region = Region.objects.filter(code=region_code, is_active=True).only("public_key").first()
        if region is None:
            raise sc.MalformedServiceCode(f"签发地区 {region_code} 未登记或已停用")
        return region.sm2_public_key

    def decode(self, text: str, *, now: dt.datetime) -> DecodedServiceCode:
        parsed = sc.parse_service_code(text)
        if parsed.code_type != self.code_type:
            raise sc.MalformedServiceCode("政务服务码类型与解码器不符")
        sc.verify_service_code(
            parsed, self.issuer_key(parsed.region_code), now=now, skew_seconds=settings.YSJ_SERVICE_CODE_SKEW
        )
        return DecodedServiceCode(
            code_type=parsed.code_type,
            region_code=parsed.region_code,
            holder_name=parsed.holder_name,
            holder_code_type=parsed.holder_code_type,
            holder_code=parsed.holder_code,
            phone=parsed.phone,
            certificates=parsed.certificates,
            expires_at=parsed.expires_at,
            replay_key=f"{parsed.code_type}:{parsed.region_code}:{parsed.nonce}",
        )


class SuishenmaDecoder(DemoSignedCodeDecoder):
    code_type = "suishenma"  # 随申码（上海）


class SufumaDecoder(DemoSignedCodeDecoder):
    code_type = "sufuma"  # 苏服码（江苏）


class AnhuimaDecoder(DemoSignedCodeDecoder):
    code_type = "anhuima"  # 安徽码（安徽）


class ZhejiangLicenseCodeDecoder(DemoSignedCodeDecoder):
    code_type = "zj_license_code"  # 浙江电子证照码


class ShanghaiLicenseQrDecoder(DemoSignedCodeDecoder):
    code_type = "sh_license_qr"  # 上海电子证照二维码及条码


class AlipayIdCardDecoder(DemoSignedCodeDecoder):
    code_type = "alipay_id_card"  # 支付宝卡包身份证电子证照二维码（上海）


class YangtzeLicenseQrDecoder(DemoSignedCodeDecoder):
    code_type = "yrd_license_qr"  # 长三角证照二维码


class BusinessLicenseDecoder(DemoSignedCodeDecoder):
    code_type = "e_business_license"  # 电子营业执照小程序二维码


DEFAULT_DECODERS: tuple[type[ServiceCodeDecoder], ...] = (
    SuishenmaDecoder,
    SufumaDecoder,
    AnhuimaDecoder,
    ZhejiangLicenseCodeDecoder,
    ShanghaiLicenseQrDecoder,
    AlipayIdCardDecoder,
    YangtzeLicenseQrDecoder,
    BusinessLicenseDecoder,
)
