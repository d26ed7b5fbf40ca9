"""What a decoder of one kind of service code is, and what it hands back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class DecodedServiceCode:
    """A genuine, current code: who presented it and which certificates it points at."""

    code_type: str
    region_code: str
    holder_name: str
    holder_code_type: str  # "身份证" or "统一社会信用代码"
    holder_code: str = field(repr=False)
    phone: str = field(repr=False, default="")
    certificates: list[dict[str, Any]] = field(default_factory=list, repr=False)
    expires_at: dt.datetime | None = None
    #: What makes this code single-use (its nonce); empty if the format has none.
    replay_key: str = ""


class ServiceCodeDecoder:
    """One kind of service code. A region's real format is one subclass registered in the registry.

    ``decode`` returns a ``DecodedServiceCode`` or raises one of the ``ysj_protocol.service_code``
    errors (malformed, unknown type, expired, forged); the registry maps them to status codes.
    """

    code_type: ClassVar[str]

    def matches(self, text: str) -> bool:
        """Whether ``text`` looks like a code of this kind (cheap, no cryptography)."""
        raise NotImplementedError

    def decode(self, text: str, *, now: dt.datetime) -> DecodedServiceCode:
        raise NotImplementedError
