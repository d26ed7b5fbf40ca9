"""The hub's own SM2 key pair.

It is read from ``YSJ_HUB_PRIVATE_KEY`` (hex) or from the file named by ``YSJ_HUB_KEY_FILE``; it is
never stored in the database nor shown in the admin. The public half is what the regions and
application systems register for the hub.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ysj_protocol.crypto import sm2
from ysj_protocol.keyfiles import (
    KeyConfigError,
    load_private_key,
    read_private_key_file,
    write_private_key_file,
)

__all__ = ["hub_private_key", "hub_public_key", "read_private_key_file", "reset_cache", "write_private_key_file"]


@lru_cache(maxsize=1)
def _load(private_hex: str, key_file: str) -> sm2.PrivateKey:
    try:
        return load_private_key(
            private_hex,
            Path(key_file),
            variable="YSJ_HUB_PRIVATE_KEY",
            missing_hint=f"用 `manage.py generate_sm2_keypair --out {key_file}` 生成本系统私钥文件",
        )
    except KeyConfigError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


def hub_private_key() -> sm2.PrivateKey:
    return _load(settings.YSJ_HUB_PRIVATE_KEY, str(settings.YSJ_HUB_KEY_FILE))


def hub_public_key() -> sm2.PublicKey:
    return hub_private_key().public_key


def reset_cache() -> None:
    _load.cache_clear()
