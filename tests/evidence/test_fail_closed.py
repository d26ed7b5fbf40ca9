"""Nothing leaves and nothing changes unless its entry is written: the entry's write is made to fail.

The failure is caused in the database itself, by a trigger refusing the pending entry's insert
(``entries_fail``), standing in for a database failure at that moment.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError

from catalog.models import CatalogEntry, CatalogStatus, Publication
from evidence.models import PendingEntry
from scenarios import services as scenario_services
from scenarios.models import Decision, ScenarioConfirmation, ScenarioEvent
from sharing.models import CertificateID
from trust.models import AccessToken, EnvelopeCall

from ..factories import RegionFactory, no_delivery
from ..sharing.conftest import make_caller
from ..trust.factories import _region_admin, call, demo_catalog_entry, registered_app
from .conftest import entries_fail

REGISTER = "/api/v1/trust/apps/register"


@pytest.mark.django_db(transaction=True)
def test_no_access_token_leaves_without_its_entry(http) -> None:
    app, secret = registered_app("app-evidence-fail")
    params = {"appId": app.app_id, "appSecret": secret, "corpName": app.corp_name, "corpCode": app.corp_code}
    with entries_fail():
        answer = call(http, REGISTER, params, account=app.app_id)
    assert answer.status == "9999" and answer.data is None or "accessToken" not in (answer.data or {})
    assert not AccessToken.objects.filter(application=app).exists()
    assert not PendingEntry.objects.exists()
    # Once the database takes entries again, so does the call.
    assert call(http, REGISTER, params, account=app.app_id).status == "0"


@pytest.mark.django_db(transaction=True)
def test_no_certificate_id_leaves_without_its_entry(live_server, live_regions, clean_log) -> None:
    caller = make_caller(live_server, "app-evidence-fail-search")
    try:
        with entries_fail():
            response = caller.search()
    finally:
        caller.client.close()
    assert response.status == "9999" and "dataList" not in (response.data or {})
    assert not CertificateID.objects.exists()
    assert not EnvelopeCall.objects.filter(endpoint="/api/v1/certificates/search", status_code="0").exists()


@pytest.mark.django_db
def test_no_confirmation_is_saved_without_its_entry() -> None:
    entry = demo_catalog_entry("居民身份证")
    with no_delivery():
        scenario = scenario_services.register_proposal(
            actor=_region_admin("SH"), code="SC-EVIDENCE-FAIL", name="存证失败测试", entries=[entry],
            valid_start=entry.share_start, applications=[],
        )
    events = ScenarioEvent.objects.count()
    with entries_fail(), pytest.raises(DatabaseError), no_delivery():
        scenario_services.decide(scenario, actor=_region_admin("JS"), region=RegionFactory(code="JS"),
                                 revision=scenario.revision, decision=Decision.CONFIRMED)
    assert not ScenarioConfirmation.objects.filter(scenario_list=scenario).exists()
    assert ScenarioEvent.objects.count() == events


@pytest.mark.django_db
def test_no_catalog_change_is_published_without_its_entry() -> None:
    from catalog import services as catalog_services

    entry = CatalogEntry(type_code="11100000000013127D099", type_name="存证测试证照", authority_name="国务院有关部门",
                         authority_code=demo_catalog_entry("居民身份证").authority_code, related_item_name="事项",
                         related_item_code="ITEM-9", share_start=demo_catalog_entry("居民身份证").share_start)
    with no_delivery():
        catalog_services.save_entry(entry, actor=None, reason="登记")
    publications = Publication.objects.count()
    with entries_fail(), pytest.raises(DatabaseError), no_delivery():
        catalog_services.publish_entry(entry, actor=None, reason="发布")
    assert CatalogEntry.objects.get(pk=entry.pk).status != CatalogStatus.PUBLISHED
    assert Publication.objects.count() == publications
