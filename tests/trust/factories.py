"""Trust-service state for tests: registered applications, tokens, live scenario lists, codes."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import httpx
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from catalog import demo as demo_catalog
from catalog import services as catalog_services
from catalog.models import CatalogEntry, CatalogStatus
from scenarios import services as scenario_services
from scenarios.models import Decision, RegionAdministrator, ScenarioList
from trust import services
from trust.holders import ID_CARD, HolderIdentity
from trust.models import AuthType, TrustedApplication
from ysj_protocol import envelope
from ysj_protocol.identifiers import uscc_check_char
from ysj_protocol.service_code import issue_service_code

from ..factories import ApplicationFactory, RegionFactory, no_delivery
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
    """A catalog entry published through ``catalog.services`` (``shared=False``: its window has ended).

    An entry already registered under ``type_code`` is brought to these fields the same way (an
    update the services publish, if anything changed).
    """
    now = timezone.now()
    fields = {
        "type_name": type_name,
        "authority_name": "国务院有关部门",
        "authority_code": AUTHORITY_CODE,
        "related_item_name": "政务服务事项",
        "related_item_code": "ITEM-001",
        "share_start": now - dt.timedelta(days=30),
        "share_end": None if shared else now - dt.timedelta(days=1),
    }
    entry = CatalogEntry.objects.filter(type_code=type_code).first()
    if entry is not None and entry.type_name == type_name and entry.is_shared_at(now) == shared:
        return entry
    entry = entry or CatalogEntry(type_code=type_code)
    for name, value in fields.items():
        setattr(entry, name, value)
    with no_delivery():
        catalog_services.save_entry(entry, actor=None, reason="登记")
        if entry.status != CatalogStatus.PUBLISHED:
            catalog_services.publish_entry(entry, actor=None, reason="发布")
    entry.refresh_from_db()
    return entry


#: The demo's shared catalog codes by type name (catalog.demo), which the hub's lists carry and
#: the nodes answer for their local codes (regional_node.demo: 111 居民身份证...).
SHARED_CODES = {name: code for code, name, *_ in demo_catalog.ENTRIES}


def demo_catalog_entry(type_name: str, *, shared: bool = True) -> CatalogEntry:
    """The demo's catalog entry of ``type_name`` under its shared code, published as ``catalog_entry`` does."""
    return catalog_entry(SHARED_CODES[type_name], type_name, shared=shared)


def _region_admin(code: str) -> AbstractBaseUser:
    """The administrator deciding for region ``code`` (no password: it never logs in)."""
    region = RegionFactory(code=code)
    user, _ = get_user_model().objects.get_or_create(username=f"admin_{code.lower()}")
    RegionAdministrator.objects.update_or_create(user=user, defaults={"region": region})
    return user


def live_scenario(
    code: str, entries: list[CatalogEntry], applications: list[TrustedApplication], *, valid: bool = True
) -> ScenarioList:
    """A scenario list (用证清单) published as the hub publishes one, associated with ``applications``.

    SH registers it and every region its round needs confirms it (``scenarios.services``), so it
    holds whatever the workflow writes. ``valid=False``: published, in force only from tomorrow.
    A list already registered under ``code`` only gains ``applications`` (an edit that changes
    nothing the regions confirmed).
    """
    with no_delivery():
        return _publish_through_the_workflow(code, entries, applications, valid=valid)


def _publish_through_the_workflow(
    code: str, entries: list[CatalogEntry], applications: list[TrustedApplication], *, valid: bool
) -> ScenarioList:
    existing = ScenarioList.objects.filter(code=code).first()
    if existing is not None:
        scenario_services.edit_list(
            existing,
            actor=_region_admin("SH"),
            name=existing.name,
            entries=list(existing.entries.all()),
            valid_start=existing.valid_start,
            valid_end=existing.valid_end,
            applications={*existing.applications.all(), *applications},
        )
        existing.refresh_from_db()
        return existing
    now = timezone.now()
    scenario = scenario_services.register_proposal(
        actor=_region_admin("SH"),
        code=code,
        name=f"测试清单 {code}",
        entries=entries,
        valid_start=now - dt.timedelta(days=1) if valid else now + dt.timedelta(days=1),
        applications=applications,
    )
    for region_code in scenario.needed_regions:
        scenario_services.decide(
            scenario,
            actor=_region_admin(region_code),
            region=RegionFactory(code=region_code),
            revision=scenario.revision,
            decision=Decision.CONFIRMED,
        )
    scenario.refresh_from_db()
    assert scenario.is_published, f"scenario list {code} was not published"
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
