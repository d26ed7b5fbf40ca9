"""Opaque tokens: 256 random bits, handed out once, stored as their SM3 digest."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class MintedToken:
    """A new token and its lifetime, before its row is written."""

    token: str
    issued_at: dt.datetime
    expires_at: dt.datetime

    def columns(self) -> dict[str, object]:
        """What every token row stores of it: the digest and display prefix, never the value."""
        return {
            "token_hash": token_digest(self.token),
            "prefix": display_prefix(self.token),
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
        }


def mint(prefix: str, ttl_seconds: int, now: dt.datetime) -> MintedToken:
    """A new token issued at ``now`` that expires ``ttl_seconds`` later."""
    return MintedToken(new_token(prefix), now, now + dt.timedelta(seconds=ttl_seconds))
