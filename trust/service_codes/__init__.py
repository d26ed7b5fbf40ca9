"""Decoding of the eight government service codes of 12.2.2 through a registry of decoders."""

from .base import DecodedServiceCode, ServiceCodeDecoder
from .registry import decode_service_code, registry

__all__ = ["DecodedServiceCode", "ServiceCodeDecoder", "decode_service_code", "registry"]
