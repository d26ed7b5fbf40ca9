"""Check characters of the identifiers the standard's tables carry.

- Resident identity numbers (居民身份证号码), GB 11643: 17 digits and an ISO 7064 MOD 11-2
  check character (0-9 or X).
- Unified social credit codes (统一社会信用代码), GB 32100: 18 characters over a 31-letter
  alphabet without I, O, Z, S, V, the last being a MOD 31 check character.
"""

from __future__ import annotations

import datetime as dt
import re

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_PATTERN = re.compile(rf"^[{USCC_ALPHABET}]{{18}}$")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_resident_id(value: str) -> bool:
    """True for an 18-character number with a real birth date and the right check character."""
    value = value.strip().upper()
    if not _ID_PATTERN.match(value):
        return False
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if birth.year < 1900 or birth > dt.date.today():
        return False
    return resident_id_check_char(value[:17]) == value[17]


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(char) * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    value = value.strip().upper()
    if not _USCC_PATTERN.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def mask_resident_id(value: str) -> str:
    """Shown to people: the region of issue and the check character, nothing of the birth date."""
    if len(value) < 8:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}" if len(value) != 18 else f"{value[:6]}********{value[-4:]}"


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return f"{value[:3]}****{value[-4:]}"
