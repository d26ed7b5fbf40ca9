"""Protected storage of identity and phone numbers: a database dump alone does not reveal them.

- Each value is SM4-GCM encrypted under the data key (``YSJ_DATA_KEY``, 16 bytes as 32 hex
  digits, from the environment, never in the database) with a fresh 96-bit nonce; the purpose
  (``holder_code``, ``phone``) is bound as associated data, so a ciphertext cannot be moved to
  another column. Stored as ``sm4gcm1:<hex>`` so that a later key version can be told apart.
- Lookups use the keyed digest of ``sharing.holders.holder_key`` (HMAC-SM3), never a plain hash:
  identity numbers are guessable, a plain hash would be reversed by enumeration.
- People see masked values only (``ysj_protocol.identifiers.mask_*``).

Without ``YSJ_DATA_KEY`` the key is derived from ``SECRET_KEY`` with DEBUG on only (development);
with DEBUG off the hub does not start without it (``ysj_portal.settings``), and changing it makes
earlier ciphertexts unreadable.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ysj_protocol.crypto import sm4
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.crypto.sm3 import sm3_digest
from ysj_protocol.identifiers import mask_phone, mask_resident_id

SCHEME = "sm4gcm1"


def data_key() -> bytes:
    """The SM4 key of stored numbers: ``YSJ_DATA_KEY``; derived from SECRET_KEY with DEBUG on only."""
    return _data_key(settings.YSJ_DATA_KEY or "", settings.DEBUG, settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _data_key(configured: str, debug: bool, secret_key: str) -> bytes:
    """Read once per configuration: every sealed or opened number asks for the key."""
    configured = configured.strip()
    if not configured:
        if not debug:
            raise ImproperlyConfigured("未设置环境变量 YSJ_DATA_KEY：DEBUG 关闭时必须在环境中提供")
        return sm3_digest(b"ysj-data-key\x00" + secret_key.encode("utf-8"))[:16]
    try:
        key = bytes.fromhex(configured)
    except ValueError as exc:
        raise ImproperlyConfigured("YSJ_DATA_KEY 应为 32 位十六进制（16 字节 SM4 密钥）") from exc
    if len(key) != 16:
        raise ImproperlyConfigured("YSJ_DATA_KEY 应为 32 位十六进制（16 字节 SM4 密钥）")
    return key


def seal(value: str, purpose: str) -> str:
    """The stored form of ``value``: SM4-GCM under the data key, bound to ``purpose``."""
    if not value:
        return ""
    blob = sm4.gcm_encrypt(data_key(), value.encode("utf-8"), aad=purpose.encode("ascii"))
    return f"{SCHEME}:{blob.hex()}"


def unseal(text: str, purpose: str) -> str:
    """The plain value, in memory only; ValueError if the text was altered or the key changed."""
    if not text:
        return ""
    scheme, _, payload = text.partition(":")
    if scheme != SCHEME:
        raise ValueError("unknown protected-value scheme")
    try:
        return sm4.gcm_decrypt(data_key(), bytes.fromhex(payload), aad=purpose.encode("ascii")).decode("utf-8")
    except (CryptoError, ValueError) as exc:
        raise ValueError("protected value cannot be decrypted") from exc


def mask_holder_code(code_type: str, code: str) -> str:
    """Identity numbers keep region and check character; credit codes are public, but masked alike."""
    if code_type == "统一社会信用代码" and len(code) == 18:
        return f"{code[:6]}********{code[-4:]}"
    return mask_resident_id(code)


__all__ = ["data_key", "mask_holder_code", "mask_phone", "seal", "unseal"]
