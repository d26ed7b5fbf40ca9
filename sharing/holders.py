"""The keyed digest by which the hub refers to a certificate holder.

Retrieval records, certificate IDs and (later) holder notices must find a holder again without
storing the identity number itself. Identity numbers are guessable, so a plain hash would not
protect them: the digest is HMAC-SM3 under a server-side key (``YSJ_HOLDER_KEY_SECRET``, falling
back to ``SECRET_KEY``). Changing that key orphans earlier records, so production sets it once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from ysj_protocol.crypto.sm3 import hmac_sm3


def holder_key(code_type: str, code: str) -> str:
    """The hex digest naming a holder: the same identity always gives the same key."""
    secret = (getattr(settings, "YSJ_HOLDER_KEY_SECRET", "") or settings.SECRET_KEY).encode("utf-8")
    normalised = f"{code_type.strip()}\x1f{code.strip().upper()}".encode()
    return hmac_sm3(secret, normalised).hex()


def holder_key_of(holder: Any) -> str:
    """The key of a holder identity (``trust.holders.HolderIdentity``: ``code_type``, ``code``)."""
    return holder_key(str(holder.code_type), str(holder.code))
