"""The record of one envelope call, served or made.

It is the seed of the evidence log: small, complete, and cheap to append. Bodies are not kept,
only their SM3 digests, so the record proves what was exchanged without holding personal data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .crypto.sm3 import sm3_hex

SERVED = "in"
MADE = "out"


@dataclass(slots=True)
class CallRecord:
    direction: str  # SERVED or MADE
    account_id: str  # the caller when served, the callee's account when made
    endpoint: str
    http_status: int
    status_code: str
    latency_ms: float
    request_digest: str
    response_digest: str
    biz_num: str = ""
    request_id: str = ""
    error: str = ""


Recorder = Callable[[CallRecord], None]


def digest(body: bytes) -> str:
    return sm3_hex(body) if body else ""
