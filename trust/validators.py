"""Field validators for keys and codes, with the messages administrators read."""

from django.core.exceptions import ValidationError

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.identifiers import is_valid_uscc


def validate_sm2_public_key(value: str) -> None:
    try:
        sm2.PublicKey.from_hex(value)
    except CryptoError as exc:
        raise ValidationError("不是合法的 SM2 公钥（应为 04 开头的 130 位十六进制曲线点）：%(error)s",
                              params={"error": exc}, code="invalid_sm2_key") from exc


def normalise_public_key(value: str) -> str:
    """The canonical form stored: upper-case hex with the 04 prefix."""
    return sm2.PublicKey.from_hex(value).hex()


def validate_uscc(value: str) -> None:
    if not is_valid_uscc(value):
        raise ValidationError("不是有效的统一社会信用代码（18 位，末位校验码应符合 GB 32100）", code="invalid_uscc")
