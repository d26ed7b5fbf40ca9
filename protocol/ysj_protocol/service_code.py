"""Government service codes (政务服务码, 12.2.2): the demo format issued by the reference regional nodes.

The standard lists eight kinds of code that an application system may scan from a holder and hand
to the hub for decoding. Their real formats belong to the regions and are not published, so the
reference regional nodes issue *demo* codes of each kind in one documented format, and the hub
decodes them through a registry of decoders (one per kind, ``trust.service_codes``) that a region
can replace with its real format without touching the rest.

Format (version 1) — one line of printable ASCII, short enough for a QR code::

    YSJSC1.<type>.<region>.<payload>.<signature>

- ``YSJSC1``: format marker and version.
- ``<type>``: the short id of the code type (``CODE_TYPES`` below, e.g. ``suishenma``).
- ``<region>``: the issuing region, one of the codes of ``ysj_protocol.regions`` (``SH``, ``JS``,
  ``ZJ``, ``AH`` today). A type issued by one region only (随申码 by 上海...) must name that region.
- ``<payload>``: unpadded Base64url of the UTF-8 JSON object
  ``{"iat": <issued, Unix seconds>, "exp": <expiry, Unix seconds>, "nonce": <32 hex>, "claims": {...}}``.
- ``<signature>``: unpadded Base64url of the 64-byte SM2 signature (r||s, default user ID
  ``1234567812345678``) by the issuing region's private key over the ASCII bytes of everything
  before the last dot (``YSJSC1.<type>.<region>.<payload>``), so the type and region are signed too.

Claims carry the holder: ``name``, exactly one of ``idCard`` (18-digit resident identity number,
GB 11643 check character) or ``uscc`` (unified social credit code, GB 32100), optionally ``phone``;
and optionally ``certificates``: a list of the region's certificates the holder presents, each
``{"certificateRef", "certificateType", "certificateTypeCode", "issueDept", "certificateNumber",
"issueDate"}`` (``certificateRef`` is the region's own reference, never shown to applications).

A code lives at most ``MAX_TTL_SECONDS``; the verifier allows ``CLOCK_SKEW_SECONDS`` of clock
difference on ``iat``. Replay (the same ``nonce`` twice) is the verifier's business: it keeps the
nonces of unexpired codes it has accepted.

Errors are typed (all ``ServiceCodeError``): ``MalformedServiceCode``, ``UnknownServiceCodeType``,
``ExpiredServiceCode``, ``ForgedServiceCode``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from . import profile, regions
from .crypto import sm2
from .identifiers import is_valid_resident_id, is_valid_uscc

PREFIX = "YSJSC1"
MAX_TTL_SECONDS = 24 * 3600
CLOCK_SKEW_SECONDS = 60
MAX_LENGTH = 4096
REGIONS = regions.CODES
DIVISION_TO_REGION = {division: info.code for division, info in regions.BY_DIVISION.items()}
#: The fields of each certificate a code carries: those of a search entry (the region's own reference
#: among them), so that the hub reads both the same way.
CERTIFICATE_FIELDS = profile.SEARCH_FIELDS
_TYPE_ID = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_NONCE = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class CodeType:
    id: str
    name: str
    #: The region that issues it, or None when any party (``ysj_protocol.regions``) may.
    region: str | None
    #: "person" codes carry idCard, "corporation" codes carry uscc.
    holder_kind: str = "person"

    def allows_region(self, region: str) -> bool:
        return self.region is None or self.region == region


CODE_TYPES: dict[str, CodeType] = {
    t.id: t
    for t in (
        CodeType("suishenma", "随申码", "SH"),
        CodeType("sufuma", "苏服码", "JS"),
        CodeType("anhuima", "安徽码", "AH"),
        CodeType("zj_license_code", "浙江电子证照码", "ZJ"),
        CodeType("sh_license_qr", "上海电子证照二维码及条码", "SH"),
        CodeType("alipay_id_card", "支付宝卡包身份证电子证照二维码", "SH"),
        CodeType("yrd_license_qr", "长三角证照二维码", None),
        CodeType("e_business_license", "电子营业执照小程序二维码", None, holder_kind="corporation"),
    )
}


class ServiceCodeError(ValueError):
    """Base of every refusal of a service code; ``reason`` is a short Chinese explanation."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class MalformedServiceCode(ServiceCodeError):
    """Not a code of this format, or its payload or claims are invalid."""


class UnknownServiceCodeType(ServiceCodeError):
    """A well-formed code of a type nobody registered."""


class ExpiredServiceCode(ServiceCodeError):
    """Outside its validity window (expired, or issued in the future)."""


class ForgedServiceCode(ServiceCodeError):
    """The signature does not verify against the issuing region's key."""


@dataclass(frozen=True, slots=True)
class ParsedServiceCode:
    code_type: str
    region_code: str
    claims: dict[str, Any]
    issued_at: dt.datetime
    expires_at: dt.datetime
    nonce: str
    signed_bytes: bytes
    signature: bytes
    text: str = field(repr=False, default="")

    @property
    def holder_name(self) -> str:
        return str(self.claims.get("name", ""))

    @property
    def holder_code_type(self) -> str:
        return "统一社会信用代码" if "uscc" in self.claims else "身份证"

    @property
    def holder_code(self) -> str:
        return str(self.claims.get("uscc") or self.claims.get("idCard") or "")

    @property
    def phone(self) -> str:
        return str(self.claims.get("phone") or "")

    @property
    def certificates(self) -> list[dict[str, str]]:
        return list(self.claims.get("certificates") or [])


# ---------------------------------------------------------------------------- helpers
def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str, what: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise MalformedServiceCode(f"{what}不是 Base64url 编码")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedServiceCode(f"{what}不是 Base64url 编码") from exc


def normalise_region(region_code: str) -> str:
    """A party's letter code (``SH``...) from a letter code or a division code (310000...)."""
    value = (region_code or "").strip().upper()
    value = DIVISION_TO_REGION.get(value, value)
    if value not in REGIONS:
        raise MalformedServiceCode(f"签发地区 {region_code!r} 不是{regions.places_text()}之一")
    return value


def _utc(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def validate_claims(claims: Any, code_type: CodeType) -> dict[str, Any]:
    """The claims, checked: holder name and number (with check character), certificates."""
    if not isinstance(claims, dict):
        raise MalformedServiceCode("claims 应为 JSON 对象")
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 128:
        raise MalformedServiceCode("缺少持证主体姓名或名称 name")
    id_card, uscc = claims.get("idCard"), claims.get("uscc")
    if (id_card is None) == (uscc is None):
        raise MalformedServiceCode("持证主体应且仅应有 idCard 或 uscc 之一")
    if code_type.holder_kind == "corporation" and uscc is None:
        raise MalformedServiceCode(f"{code_type.name}应携带统一社会信用代码 uscc")
    if id_card is not None and (not isinstance(id_card, str) or not is_valid_resident_id(id_card)):
        raise MalformedServiceCode("idCard 不是有效的居民身份证号码")
    if uscc is not None and (not isinstance(uscc, str) or not is_valid_uscc(uscc)):
        raise MalformedServiceCode("uscc 不是有效的统一社会信用代码")
    phone = claims.get("phone")
    if phone is not None and (not isinstance(phone, str) or not re.fullmatch(r"\+?\d{5,20}", phone)):
        raise MalformedServiceCode("phone 不是有效的电话号码")
    certificates = claims.get("certificates", [])
    if not isinstance(certificates, list) or len(certificates) > 50:
        raise MalformedServiceCode("certificates 应为不超过 50 项的数组")
    for item in certificates:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in CERTIFICATE_FIELDS):
            raise MalformedServiceCode("certificates 的每一项都应有 " + "、".join(CERTIFICATE_FIELDS))
        if not item["certificateRef"] or not item["certificateTypeCode"]:
            raise MalformedServiceCode("certificates 的 certificateRef 与 certificateTypeCode 不能为空")
    normalised = dict(claims)
    # The issue dates a region writes into its codes are answered in the profile's one form.
    try:
        normalised["certificates"] = [
            {**item, "issueDate": profile.normalise_date(item["issueDate"])} for item in certificates
        ]
    except profile.Garbage as exc:
        raise MalformedServiceCode(f"certificates 的 issueDate 无法识别：{exc}") from exc
    if id_card is not None:
        normalised["idCard"] = id_card.strip().upper()
    if uscc is not None:
        normalised["uscc"] = uscc.strip().upper()
    return normalised


# ---------------------------------------------------------------------------- issuing
def issue_service_code(
    code_type: str,
    region_code: str,
    private_key: sm2.PrivateKey,
    claims: dict[str, Any],
    *,
    ttl_seconds: int = 300,
    now: dt.datetime | None = None,
) -> str:
    """A signed demo code of ``code_type`` issued by ``region_code`` for the holder in ``claims``."""
    info = CODE_TYPES.get(code_type)
    if info is None:
        raise UnknownServiceCodeType(f"未知的政务服务码类型 {code_type!r}")
    region = normalise_region(region_code)
    if not info.allows_region(region):
        raise MalformedServiceCode(f"{info.name}只能由 {info.region} 签发")
    if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise MalformedServiceCode(f"有效期应在 1 到 {MAX_TTL_SECONDS} 秒之间")
    issued = int((now or dt.datetime.now(dt.UTC)).timestamp())
    payload = {
        "iat": issued,
        "exp": issued + ttl_seconds,
        "nonce": secrets.token_hex(16),
        "claims": validate_claims(claims, info),
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    signed = f"{PREFIX}.{code_type}.{region}.{_b64encode(body)}"
    signature = sm2.sign(private_key, signed.encode("ascii"))
    return f"{signed}.{_b64encode(signature)}"


# ---------------------------------------------------------------------------- reading
def looks_like_demo_code(text: str) -> bool:
    return isinstance(text, str) and text.strip().startswith(PREFIX + ".")


def parse_service_code(text: str) -> ParsedServiceCode:
    """Split and decode a code without checking its signature or expiry (see ``verify_service_code``)."""
    if not isinstance(text, str):
        raise MalformedServiceCode("政务服务码应为字符串")
    text = text.strip()
    if len(text) > MAX_LENGTH:
        raise MalformedServiceCode(f"政务服务码超过 {MAX_LENGTH} 个字符")
    parts = text.split(".")
    if len(parts) != 5 or parts[0] != PREFIX:
        raise MalformedServiceCode(f"不是 {PREFIX} 格式的政务服务码")
    _, code_type, region, payload_text, signature_text = parts
    if not _TYPE_ID.match(code_type):
        raise MalformedServiceCode("政务服务码类型标识格式错误")
    info = CODE_TYPES.get(code_type)
    if info is None:
        raise UnknownServiceCodeType(f"未知的政务服务码类型 {code_type!r}")
    region = normalise_region(region)
    if not info.allows_region(region):
        raise MalformedServiceCode(f"{info.name}只能由 {info.region} 签发")
    signature = _b64decode(signature_text, "签名")
    if len(signature) != 64:
        raise MalformedServiceCode("签名应为 64 字节")
    try:
        payload = json.loads(_b64decode(payload_text, "载荷").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # nesting of a hostile payload included
        raise MalformedServiceCode("载荷不是 UTF-8 JSON") from exc
    if not isinstance(payload, dict):
        raise MalformedServiceCode("载荷应为 JSON 对象")
    iat, exp, nonce = payload.get("iat"), payload.get("exp"), payload.get("nonce")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (iat, exp)):
        raise MalformedServiceCode("载荷缺少整数 iat / exp")
    if not isinstance(nonce, str) or not _NONCE.match(nonce):
        raise MalformedServiceCode("载荷 nonce 应为 32 位小写十六进制")
    if not 0 < exp - iat <= MAX_TTL_SECONDS:
        raise MalformedServiceCode(f"有效期应在 1 到 {MAX_TTL_SECONDS} 秒之间")
    return ParsedServiceCode(
        code_type=code_type,
        region_code=region,
        claims=validate_claims(payload.get("claims"), info),
        issued_at=_utc(iat),
        expires_at=_utc(exp),
        nonce=nonce,
        signed_bytes=text.rsplit(".", 1)[0].encode("ascii"),
        signature=signature,
        text=text,
    )


def verify_service_code(
    parsed: ParsedServiceCode,
    public_key: sm2.PublicKey,
    *,
    now: dt.datetime | None = None,
    skew_seconds: int = CLOCK_SKEW_SECONDS,
) -> None:
    """Raise ``ForgedServiceCode`` or ``ExpiredServiceCode`` unless the code is genuine and current.

    The signature is checked first, so an altered expiry reads as a forgery, not as "expired".
    """
    if not sm2.verify(public_key, parsed.signed_bytes, parsed.signature):
        raise ForgedServiceCode("签名与签发地区登记的公钥不符")
    moment = now or dt.datetime.now(dt.UTC)
    if parsed.issued_at > moment + dt.timedelta(seconds=skew_seconds):
        raise ExpiredServiceCode("签发时间晚于当前时间")
    if moment >= parsed.expires_at:
        raise ExpiredServiceCode(f"已于 {parsed.expires_at.isoformat()} 过期")


__all__ = [
    "CODE_TYPES",
    "CodeType",
    "ExpiredServiceCode",
    "ForgedServiceCode",
    "MalformedServiceCode",
    "ParsedServiceCode",
    "ServiceCodeError",
    "UnknownServiceCodeType",
    "issue_service_code",
    "looks_like_demo_code",
    "parse_service_code",
    "verify_service_code",
]
