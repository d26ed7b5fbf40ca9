"""Typed failures of the application-system client.

Every failure is a ``YSJError``. A refusal carries the ``head.status`` code the provider answered,
its message, and the meaning the status table gives that code (``ysj_protocol.status``), so a
caller decides on the code and shows people the Chinese text. The class tells the group at a
glance: the envelope (1xxx), trusted access (2xxx), the scenario list (3xxx), the sharing
services (4xxx), the server (9xxx).
"""

from __future__ import annotations

from .. import status as st


class YSJError(Exception):
    """Base of every failure raised by ``ysj_protocol.app``."""


class ConfigError(YSJError):
    """The client is not configured well enough to call (base URL, account, key...)."""


class Unreachable(YSJError):
    """The provider could not be reached or did not answer in time (after any retries)."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        self.attempts = attempts
        super().__init__(message)


class BadAnswer(YSJError):
    """The provider answered something that is not a valid envelope for this caller."""


class Refused(YSJError):
    """The provider answered a non-zero ``head.status``."""

    def __init__(self, status: str, message: str, *, http_status: int = 200, path: str = "") -> None:
        self.status = status
        self.message = message
        self.http_status = http_status
        self.path = path
        known = st.lookup(status)
        #: The status table's entry for the code, None for a code this table does not know.
        self.known = known
        super().__init__(f"{status} {message or self.meaning}")

    @property
    def meaning(self) -> str:
        """The table's meaning of the code (the message may add a particular reason after "：")."""
        return self.known.message if self.known else "未知状态码"

    @property
    def retryable(self) -> bool:
        """A fault of the provider (the table's HTTP status 5xx): the same call may succeed later."""
        return self.known is not None and self.known.http_status >= 500


class EnvelopeRefused(Refused):
    """1xxx: the envelope itself (account, ciphertext, parameters)."""


class AccessRefused(Refused):
    """2xxx: trusted access (access token, holder token, application status, grants)."""


class UsageRefused(Refused):
    """3xxx: the scenario list does not allow the call."""


class ServiceRefused(Refused):
    """4xxx: the sharing services (certificate IDs, service codes, downloads...)."""


class ServerFault(Refused):
    """9xxx: the provider failed."""


_BY_GROUP: dict[str, type[Refused]] = {
    "1": EnvelopeRefused,
    "2": AccessRefused,
    "3": UsageRefused,
    "4": ServiceRefused,
    "9": ServerFault,
}


def refusal(status: str, message: str, *, http_status: int = 200, path: str = "") -> Refused:
    """The typed refusal for ``status``, by its group."""
    cls = _BY_GROUP.get(status[:1], Refused) if len(status) == 4 else Refused
    return cls(status, message, http_status=http_status, path=path)


class VerificationFailed(YSJError):
    """A signature, a proof or a file did not verify."""


__all__ = [
    "AccessRefused",
    "BadAnswer",
    "ConfigError",
    "EnvelopeRefused",
    "Refused",
    "ServerFault",
    "ServiceRefused",
    "Unreachable",
    "UsageRefused",
    "VerificationFailed",
    "YSJError",
    "refusal",
]
