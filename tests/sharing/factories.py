"""The hub-side state a sharing call needs besides the catalog entries and scenario lists of
``tests.trust.factories``: real access and holder tokens issued by the trust service."""

from __future__ import annotations

from dataclasses import dataclass

from trust.holders import HolderIdentity
from trust.models import AuthType, TrustedApplication
from trust.services import issue_access_token, issue_holder_token


@dataclass
class Session:
    """An application system ready to call: its account, access token and a holder token."""

    application: TrustedApplication
    access_token: str
    trusted_token: str

    @property
    def app_id(self) -> str:
        return self.application.app_id


def session_for(application: TrustedApplication, *, name: str, code_type: str, code: str) -> Session:
    holder = HolderIdentity(name=name, code_type=code_type, code=code)
    return Session(
        application=application,
        access_token=issue_access_token(application).token,
        trusted_token=issue_holder_token(application=application, holder=holder, auth_type=AuthType.ID_CARD).token,
    )
