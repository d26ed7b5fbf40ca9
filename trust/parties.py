"""Resolution of a ``head.accountId`` to a registered party and its public key."""

from __future__ import annotations

from dataclasses import dataclass

from ysj_protocol.crypto import sm2

from . import registry
from .models import Region, TrustedApplication

REGION = "region"
APPLICATION = "application"


@dataclass(slots=True)
class Party:
    kind: str
    account_id: str
    name: str
    public_key: sm2.PublicKey
    is_active: bool
    region: Region | None = None
    application: TrustedApplication | None = None


def resolve_account(account_id: str) -> Party | None:
    """The region or application system registered under ``account_id``, if any (cached: trust.registry)."""
    return registry.cached(("party", account_id), lambda: _load_account(account_id))


def _load_account(account_id: str) -> Party | None:
    application = TrustedApplication.objects.select_related("region").filter(app_id=account_id).first()
    if application is not None:
        return Party(
            kind=APPLICATION,
            account_id=account_id,
            name=application.name,
            public_key=application.sm2_public_key,
            is_active=application.is_active,
            region=application.region,
            application=application,
        )
    region = Region.objects.filter(account_id=account_id).first()
    if region is not None:
        return Party(
            kind=REGION,
            account_id=account_id,
            name=region.name,
            public_key=region.sm2_public_key,
            is_active=region.is_active,
            region=region,
        )
    return None
