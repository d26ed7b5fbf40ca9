"""The registry of service-code decoders and the mapping of their errors to status codes.

A region replacing the demo format of one of its codes registers its own decoder for that type
(``registry.register(MyDecoder())``, e.g. in an AppConfig.ready); the other types are untouched.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ysj_protocol import service_code as sc
from ysj_protocol import status as st
from ysj_protocol.envelope import EnvelopeError

from .base import DecodedServiceCode, ServiceCodeDecoder
from .demo import DEFAULT_DECODERS


class DecoderRegistry:
    def __init__(self) -> None:
        self._decoders: dict[str, ServiceCodeDecoder] = {}

    def register(self, decoder: ServiceCodeDecoder) -> None:
        if decoder.code_type not in sc.CODE_TYPES:
            raise ValueError(f"unknown service code type {decoder.code_type!r}")
        self._decoders[decoder.code_type] = decoder

    def get(self, code_type: str) -> ServiceCodeDecoder | None:
        return self._decoders.get(code_type)

    def types(self) -> list[str]:
        return list(self._decoders)

    def decoder_for(self, text: str) -> ServiceCodeDecoder:
        for decoder in self._decoders.values():
            if decoder.matches(text):
                return decoder
        if sc.looks_like_demo_code(text):
            parts = text.split(".")
            type_id = parts[1] if len(parts) > 1 else ""
            raise sc.UnknownServiceCodeType(f"未知的政务服务码类型 {type_id[:32]!r}")
        raise sc.UnknownServiceCodeType("无法识别的政务服务码")


registry = DecoderRegistry()
for _decoder in DEFAULT_DECODERS:
    registry.register(_decoder())


def decode_service_code(text: str, *, now: dt.datetime | None = None) -> DecodedServiceCode:
    """Decode and verify ``text``; refusals as ``EnvelopeError`` with the 401x codes."""
    text = (text or "").strip()
    try:
        return registry.decoder_for(text).decode(text, now=now or timezone.now())
    except sc.ExpiredServiceCode as exc:
        raise EnvelopeError(st.SERVICE_CODE_EXPIRED, exc.reason) from exc
    except sc.ForgedServiceCode as exc:
        raise EnvelopeError(st.SERVICE_CODE_FORGED, exc.reason) from exc
    except sc.ServiceCodeError as exc:
        raise EnvelopeError(st.SERVICE_CODE_INVALID, exc.reason) from exc
