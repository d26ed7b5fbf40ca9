"""The application system's kit: a client with one method per section-12 call, typed results and errors.

    from ysj_protocol.app import Client
    from ysj_protocol.crypto import sm2

    client = Client("http://127.0.0.1:8000", app_id=..., app_secret=..., corp_name=..., corp_code=...,
                    private_key=sm2.PrivateKey.from_hex(...), provider_key=sm2.PublicKey.from_hex(...))
    holder = client.holder_token(id_no="...", name="...")
    with client.case(use_for=..., item_name=..., item_code=..., item_org=..., operator=...) as case:
        found = case.search(holder.trusted_token)

No Django: application systems install ``ysj-protocol`` alone.
"""

from .client import CALLS, Audit, Case, Client, VerifiedCheckpoint, connect, verify_checkpoint
from .config import Settings, load_settings
from .errors import (
    AccessRefused,
    BadAnswer,
    ConfigError,
    EnvelopeRefused,
    Refused,
    ServerFault,
    ServiceRefused,
    Unreachable,
    UsageRefused,
    VerificationFailed,
    YSJError,
)

__all__ = [
    "CALLS",
    "AccessRefused",
    "Audit",
    "BadAnswer",
    "Case",
    "Client",
    "ConfigError",
    "EnvelopeRefused",
    "Refused",
    "ServerFault",
    "ServiceRefused",
    "Settings",
    "Unreachable",
    "UsageRefused",
    "VerificationFailed",
    "VerifiedCheckpoint",
    "YSJError",
    "connect",
    "load_settings",
    "verify_checkpoint",
]
