"""The hub's signature over a publication (docs/region-protocol.md, "Publication")."""

from __future__ import annotations

import json
from typing import Any

from ysj_protocol.crypto import sm2
from ysj_protocol.crypto.errors import CryptoError

SIGNED_FIELDS = ("publicationId", "sequence", "kind", "action", "code", "publishedAt", "payload")


def canonical_bytes(message: dict[str, Any], *, ensure_ascii: bool = False) -> bytes:
    """UTF-8 JSON of every field but ``signature``, keys sorted, no white space."""
    unsigned = {key: value for key, value in message.items() if key != "signature"}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=ensure_ascii).encode(
        "utf-8"
    )


def sign_publication(message: dict[str, Any], private_key: sm2.PrivateKey) -> str:
    return sm2.sign(private_key, canonical_bytes(message)).hex().upper()


def verify_publication(message: dict[str, Any], signature_hex: str, public_key: sm2.PublicKey) -> bool:
    """True when the hub signed exactly these fields.

    The profile says "UTF-8 JSON"; both spellings of non-ASCII characters (literal or ``\\uXXXX``)
    are canonical JSON of the same data, so either is accepted.
    """
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    try:
        return any(
            sm2.verify(public_key, canonical_bytes(message, ensure_ascii=flag), signature)
            for flag in (False, True)
        )
    except CryptoError:
        return False
