"""Opaque tokens: 256 random bits, handed out once, stored as their SM3 digest."""

from __future__ import annotations

import secrets

from ysj_protocol.crypto.sm3 import sm3_hex

ACCESS_PREFIX = "yat_"
HOLDER_PREFIX = "yht_"
#: Anything longer cannot be one of ours; refused before hashing.
MAX_TOKEN_LENGTH = 128


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """The stored form. A plain hash suffices: the value has 256 bits of entropy."""
    return sm3_hex(token.encode("utf-8"))


def display_prefix(token: str) -> str:
    """The first characters, shown in the admin so staff can match a token an application quotes."""
    return token[:10]
