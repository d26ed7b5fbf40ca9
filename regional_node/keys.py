"""The node's SM2 key pair and the hub's public key.

The private key comes from ``NODE_PRIVATE_KEY`` (hex) or the file ``NODE_KEY_FILE``; it is never
stored in the database. The hub's public key (``NODE_HUB_PUBLIC_KEY``) identifies the only caller
of the provider endpoints and checks the signature of publications.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError


def read_private_key_file(path: Path) -> str:
    """The hex private key of a key file: its first line that is not a comment."""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            return line
    return ""


def write_private_key_file(path: Path, key: sm2.PrivateKey) -> None:
    """Write a key file readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(f"# SM2 private key (hex). Public key: {key.public_key.hex()}\n{key.hex()}\n")


def ensure_key_file(path: Path) -> sm2.PrivateKey:
    """The key in ``path``, generated first when the file does not exist (demo set-up)."""
    if not path.exists():
        write_private_key_file(path, sm2.PrivateKey.generate())
    return sm2.PrivateKey.from_hex(read_private_key_file(path))


@lru_cache(maxsize=1)
def _node_key(private_hex: str, key_file: str) -> sm2.PrivateKey:
    source = "NODE_PRIVATE_KEY"
    if not private_hex:
        path = Path(key_file)
        if not path.exists():
            raise ImproperlyConfigured(
                f"未找到本地区 SM2 私钥：请设置 NODE_PRIVATE_KEY，或用 "
                f"`python -m regional_node generate_node_key` 生成密钥文件 {path}"
            )
        private_hex = read_private_key_file(path)
        source = str(path)
    try:
        return sm2.PrivateKey.from_hex(private_hex)
    except CryptoError as exc:
        raise ImproperlyConfigured(f"本地区 SM2 私钥无效（{source}）：{exc}") from exc


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
