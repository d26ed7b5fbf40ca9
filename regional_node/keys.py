"""The node's SM2 key pair and the hub's public key.

The private key comes from ``NODE_PRIVATE_KEY`` (hex) or the file ``NODE_KEY_FILE``; it is never
stored in the database. The hub's public key (``NODE_HUB_PUBLIC_KEY``) identifies the only caller
of the provider endpoints and checks the signature of publications.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError
from ysj_protocol.keyfiles import (
    KeyConfigError,
    ensure_key_file,
    load_private_key,
    read_private_key_file,
    write_private_key_file,
)

__all__ = [
    "ensure_key_file",
    "hub_public_key",
    "node_private_key",
    "node_public_key",
    "read_private_key_file",
    "write_private_key_file",
]


@lru_cache(maxsize=1)
def _node_key(private_hex: str, key_file: str) -> sm2.PrivateKey:
    try:
        return load_private_key(
            private_hex,
            Path(key_file),
            variable="NODE_PRIVATE_KEY",
            missing_hint="用 `python -m regional_node generate_node_key` 生成本地区私钥文件",
        )
    except KeyConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


@lru_cache(maxsize=1)
def _hub_key(public_hex: str) -> sm2.PublicKey:
    if not public_hex:
        raise ImproperlyConfigured("未配置融合共享服务系统公钥 NODE_HUB_PUBLIC_KEY")
    try:
        return sm2.PublicKey.from_hex(public_hex)
    except CryptoError as exc:
        raise ImproperlyConfigured(f"融合共享服务系统公钥 NODE_HUB_PUBLIC_KEY 无效：{exc}") from exc


def node_private_key() -> sm2.PrivateKey:
    return _node_key(settings.NODE_PRIVATE_KEY, str(settings.NODE_KEY_FILE))


def node_public_key() -> sm2.PublicKey:
    return node_private_key().public_key


def hub_public_key() -> sm2.PublicKey:
    return _hub_key(settings.NODE_HUB_PUBLIC_KEY)
