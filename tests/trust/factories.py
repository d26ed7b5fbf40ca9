"""Trust-service state for tests: registered applications, tokens, live scenario lists, codes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx
from django.utils import timezone

from catalog.models import CatalogEntry, CatalogStatus
from scenarios.models import ScenarioList, ScenarioStatus
from trust import services
from trust.holders import ID_CARD, HolderIdentity
from trust.models import AuthType, TrustedApplication
from ysj_protocol import envelope
from ysj_protocol.identifiers import uscc_check_char
from ysj_protocol.service_code import issue_service_code

from ..factories import ApplicationFactory, RegionFactory
from ..keys import hub_key, key_for
from .holders import PERSON

AUTHORITY_CODE = "11100000MB0143028" + uscc_check_char("11100000MB0143028")
AUDIT = {"useFor": "办理业务", "itemName": "测试事项", "itemOrg": "测试单位", "operator": "李四", "bizNum": "BIZ-1"}


def registered_app(app_id: str, region: str = "SH") -> tuple[TrustedApplication, str]:
    """An application with an allocated appSecret; returns it and the secret (shown once)."""
    application = ApplicationFactory(app_id=app_id, region=RegionFactory(code=region))
    return application, services.allocate_secret(application)


def access_token(application: TrustedApplication, *, expired: bool = False, revoked: bool = False) -> str:
    issued = services.issue_access_token(application)
    if expired:
        type(issued.row).objects.filter(pk=issued.row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    if revoked:
        services.revoke_access_tokens(type(issued.row).objects.filter(pk=issued.row.pk), "测试吊销")
    return issued.token


def holder_token(
    application: TrustedApplication, *, holder: dict | None = None, expired: bool = False, revoked: bool = False
) -> str:
    holder = holder or PERSON
    identity = HolderIdentity(name=holder["name"], code_type=ID_CARD, code=holder["idCard"])
    issued = services.issue_holder_token(application=application, holder=identity, auth_type=AuthType.ID_CARD)
    model = type(issued.row)
    if expired:
        model.objects.filter(pk=issued.row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    if revoked:
        services.revoke_holder_tokens(model.objects.filter(pk=issued.row.pk), "测试吊销")
    return issued.token


def catalog_entry(type_code: str, type_name: str, *, shared: bool = True) -> CatalogEntry:
    now = timezone.now()
    entry, _ = CatalogEntry.objects.update_or_create(
        type_code=type_code,
        defaults={
            "type_name": type_name,
            "authority_name": "国务院有关部门",
            "authority_code": AUTHORITY_CODE,
            "related_item_name": "政务服务事项",
            "related_item_code": "ITEM-001",
            "share_start": now - dt.timedelta(days=30),
            "share_end": None if shared else now - dt.timedelta(days=1),
            "status": CatalogStatus.PUBLISHED,
        },
    )
    return entry


def live_scenario(
    code: str, entries: list[CatalogEntry], applications: list[TrustedApplication], *, valid: bool = True
) -> ScenarioList:
    now = timezone.now()
    start = now - dt.timedelta(days=1) if valid else now + dt.timedelta(days=1)
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
    scenario.applications.set(applications)
    return scenario


def service_code(code_type: str = "suishenma", region: str = "SH", claims: dict | None = None, **kw: Any) -> str:
    return issue_service_code(code_type, region, key_for(f"region-{region}"), claims or PERSON, **kw)


@dataclass
class Answer:
    http_status: int
    status: str
    message: str
    data: dict[str, Any] | None


def call(
    http: httpx.Client,
    path: str,
    params: dict[str, Any],
    *,
    account: str,
    token: str | None = None,
    head: dict[str, Any] | None = None,
    key_name: str | None = None,
) -> Answer:
    """One envelope call over real HTTP, opened with the caller's own key."""
    full_head = dict(head or {})
    if token is not None:
        full_head["accessToken"] = token
    body = envelope.seal_request(account, params, hub_key().public_key, head=full_head)
    response = http.post(
        path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    opened = envelope.open_response(response.json(), key_for(key_name or account))
    return Answer(response.status_code, opened.status, opened.message, opened.data)
