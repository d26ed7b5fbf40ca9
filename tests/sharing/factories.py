"""The hub-side state a sharing call needs: published catalog entries, a live scenario list the
application is associated with, and real access and holder tokens issued by the trust service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from catalog.models import CatalogEntry, CatalogStatus
from scenarios.models import ScenarioList, ScenarioStatus
from trust.holders import HolderIdentity
from trust.models import AuthType, TrustedApplication
from trust.services import issue_access_token, issue_holder_token
from ysj_protocol.identifiers import uscc_check_char

AUTHORITY_CODE = "11100000MB0143028" + uscc_check_char("11100000MB0143028")


def published_entry(type_code: str, type_name: str) -> CatalogEntry:
    """A catalog entry as it stands after the four regions confirmed and the hub published it."""
    entry, _ = CatalogEntry.objects.update_or_create(
        type_code=type_code,
        defaults={
            "type_name": type_name,
            "authority_name": "国务院有关部门",
            "authority_code": AUTHORITY_CODE,
            "related_item_name": "政务服务事项",
            "related_item_code": "ITEM-001",
            "share_start": timezone.now() - timedelta(days=1),
            "share_end": None,
            "status": CatalogStatus.PUBLISHED,
        },
    )
    return entry


def live_scenario(code: str, entries: list[CatalogEntry], applications: list[TrustedApplication]) -> ScenarioList:
    """A published, valid scenario list (用证清单) associated with ``applications``."""
    start = timezone.now() - timedelta(days=1)
    scenario, _ = ScenarioList.objects.update_or_create(
        code=code,
        defaults={
            "name": f"测试清单 {code}",
            "valid_start": start,
            "status": ScenarioStatus.PUBLISHED,
            "published_revision": 1,
            "published_name": f"测试清单 {code}",
            "published_valid_start": start,
            "published_valid_end": None,
        },
    )
    scenario.entries.set(entries)
    scenario.published_entries.set(entries)
    scenario.applications.add(*applications)
    return scenario


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
