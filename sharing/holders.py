"""The keyed digests by which the hub refers to a certificate holder and to a face number.

Retrieval records, certificate IDs and (later) holder notices must find a holder again without
storing the identity number itself. Identity numbers are guessable, so a plain hash would not
protect them: the digest is HMAC-SM3 under a server-side key (``YSJ_HOLDER_KEY_SECRET``, falling
back to ``SECRET_KEY``). Changing that key orphans earlier records, so production sets it once.

A person's identity number is also the face number (照面编号) of their identity card, so face
numbers are looked up by the same kind of digest, in a domain of their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from trust import protect
from trust.holders import ID_CARD, USCC
from ysj_protocol.crypto.sm3 import hmac_sm3
from ysj_protocol.identifiers import is_valid_resident_id, is_valid_uscc, mask_resident_id

#: Associated data of sealed face numbers: such a ciphertext cannot be moved to another column.
FACE_NUMBER_PURPOSE = "certificate_number"
#: Domain of face-number digests; no holder code type has this name, so the two never collide.
FACE_NUMBER_DOMAIN = "照面编号"


def _digest(domain: str, value: str) -> str:
    secret = (getattr(settings, "YSJ_HOLDER_KEY_SECRET", "") or settings.SECRET_KEY).encode("utf-8")
    return hmac_sm3(secret, f"{domain}\x1f{value}".encode()).hex()


def holder_key(code_type: str, code: str) -> str:
    """The hex digest naming a holder: the same identity always gives the same key."""
    return _digest(code_type.strip(), code.strip().upper())


def holder_key_of(holder: Any) -> str:
    """The key of a holder identity (``trust.holders.HolderIdentity``: ``code_type``, ``code``)."""
    return holder_key(str(holder.code_type), str(holder.code))


def holder_key_of_number(number: str) -> str:
    """The key of the holder a full number names (identity number or credit code); empty if neither.

    Staff search by a full number: its digest is the only thing the records can be matched on.
    """
    number = number.strip().upper()
    if is_valid_resident_id(number):
        return holder_key(ID_CARD, number)
    if is_valid_uscc(number):
        return holder_key(USCC, number)
    return ""


def face_number_key(number: str) -> str:
    """The hex digest of a face number, for lookups by it; empty for no number.

    Normalised like holder numbers (trimmed, upper case), so ``...001x`` finds ``...001X``.
    """
    number = number.strip().upper()
    return _digest(FACE_NUMBER_DOMAIN, number) if number else ""


def seal_face_number(number: str) -> str:
    """The stored form of a face number: SM4-GCM under the data key (``trust.protect``)."""
    return protect.seal(number, FACE_NUMBER_PURPOSE)


def unseal_face_number(text: str) -> str:
    """The plain face number, in memory only; ValueError if the text was altered or the key changed."""
    return protect.unseal(text, FACE_NUMBER_PURPOSE)


def mask_face_number(number: str) -> str:
    """What people see: an identity number keeps its region and check character only."""
    return mask_resident_id(number.strip()) if number else ""
