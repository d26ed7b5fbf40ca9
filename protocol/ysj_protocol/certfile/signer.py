"""Who signs a certificate file, and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import CertFileError
from .model import Region, region


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True)
class SignerInfo:
    """The issuing region signing a file; its name becomes the signer certificate's CN.

    `signing_time` defaults to now; pass it explicitly to make signing reproducible.
    """

    region_code: str
    signing_time: datetime = field(default_factory=_now)
    reason: str = "电子证照签发"
    provider: str = "YSJ Portal certfile"

    def __post_init__(self) -> None:
        region(self.region_code)
        if self.signing_time.tzinfo is None:
            raise CertFileError("signing_time must be timezone-aware")

    @property
    def region(self) -> Region:
        return region(self.region_code)

    @property
    def common_name(self) -> str:
        """Subject CN of the signer certificate: the region's name."""
        return self.region.name

    @property
    def organization(self) -> str:
        return f"{self.region.name}电子证照管理系统"


#: Subject O of an application system's signer certificate: how a verifier tells it from a region's.
APPLICATION_ORGANIZATION = "电子证照应用系统"


@dataclass(frozen=True)
class ApplicationSignerInfo:
    """An application system (电子证照应用系统) countersigning a file it obtained (11.4).

    Its `app_id` becomes the signer certificate's CN, bound to the signature by the
    signingCertificateV2 attribute; the verifier compares the key with the one registered for
    that appId, never trusts the certificate itself.
    """

    app_id: str
    signing_time: datetime = field(default_factory=_now)
    reason: str = "电子证照应用"
    provider: str = "YSJ Portal usage"

    def __post_init__(self) -> None:
        if not self.app_id or not self.app_id.isprintable() or len(self.app_id) > 64:
            raise CertFileError("app_id must be 1-64 printable characters")
        if self.signing_time.tzinfo is None:
            raise CertFileError("signing_time must be timezone-aware")

    @property
    def common_name(self) -> str:
        return self.app_id

    @property
    def organization(self) -> str:
        return APPLICATION_ORGANIZATION
