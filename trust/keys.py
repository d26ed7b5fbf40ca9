"""The hub's own SM2 key pair.

It is read from ``YSJ_HUB_PRIVATE_KEY`` (hex) or from the file named by ``YSJ_HUB_KEY_FILE``; it is
never stored in the database nor shown in the admin. The public half is what the regions and
application systems register for the hub.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError


@lru_cache(maxsize=1)
def _load(private_hex: str, key_file: str) -> sm2.PrivateKey:
    source = "YSJ_HUB_PRIVATE_KEY"
    if not private_hex:
        path = Path(key_file)
        if not path.exists():
            raise ImproperlyConfigured(
                f"未找到本系统 SM2 私钥：请设置 YSJ_HUB_PRIVATE_KEY，或用 "
                f"`manage.py generate_sm2_keypair --out {path}` 生成密钥文件"
            )
        private_hex = read_private_key_file(path)
        source = str(path)
    try:
        return sm2.PrivateKey.from_hex(private_hex)
    except CryptoError as exc:
        raise ImproperlyConfigured(f"本系统 SM2 私钥无效（{source}）：{exc}") from exc


def read_private_key_file(path: Path) -> str:
    """The hex private key of a key file: the first non-comment line."""
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


def hub_private_key() -> sm2.PrivateKey:
    return _load(settings.YSJ_HUB_PRIVATE_KEY, str(settings.YSJ_HUB_KEY_FILE))


def hub_public_key() -> sm2.PublicKey:
    return hub_private_key().public_key


def reset_cache() -> None:
    _load.cache_clear()
