"""12.1.3 and 12.1.4 over real HTTP with real envelopes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import CatalogEntry
from trust import services as trust_services
from ysj_protocol.client import EnvelopeClient, Peer

from ..catalog.factories import CatalogEntryFactory, PublishedEntryFactory
from ..factories import ApplicationFactory, RegionFactory
from ..keys import hub_key, key_for
from .factories import confirm, four_admins, propose

pytestmark = pytest.mark.django_db(transaction=True)


def client_for(live_server, account: str, key_name: str | None = None) -> EnvelopeClient:
    return EnvelopeClient(
        Peer(live_server.url, hub_key().public_key), account_id=account, private_key=key_for(key_name or account)
    )


@pytest.fixture
def governance():
    four_admins()
    now = timezone.now()
    id_card = PublishedEntryFactory(type_name="居民身份证", type_code="111", authority_name="公安部")
    PublishedEntryFactory(type_name="未来证照", type_code="999", share_start=now + timedelta(days=5))
    CatalogEntryFactory(type_name="草稿证照", type_code="998")
    licence = PublishedEntryFactory(type_name="营业执照", type_code="201")
    app = ApplicationFactory(app_id="app-query", region=RegionFactory(code="SH"))
    other = ApplicationFactory(app_id="app-other", region=RegionFactory(code="JS"))
    mine = propose("Q-001", [id_card, licence], name="企业开办")
    confirm(mine, "SH", "JS", "ZJ", "AH")
    mine.applications.add(app)
    theirs = propose("Q-002", [licence], name="他人清单")
    confirm(theirs, "SH", "JS", "ZJ", "AH")
    theirs.applications.add(other)
    pending = propose("Q-003", [licence], name="待确认清单")
    pending.applications.add(app)
    return app


def test_catalog_query_answers_only_published_entries_in_their_window(live_server, governance):
    token = trust_services.issue_access_token(governance).token
    with client_for(live_server, "app-query") as client:
        opened = client.call("/api/v1/catalogs/query", {}, head={"accessToken": token})
    assert opened.ok
    codes = [item["certificateTypeCode"] for item in opened.data["dataList"]]
    assert codes == ["111", "201"] and opened.data["total"] == 2
    item = opened.data["dataList"][0]
    entry = CatalogEntry.objects.get(type_code="111")
    assert item == {
        "certificateType": "居民身份证",
        "certificateTypeCode": "111",
        "updateTime": timezone.localtime(entry.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
        "certificateDefineAuthorityName": "公安部",
        "certificateDefineAuthorityCode": entry.authority_code,
        "relatedItemName": entry.related_item_name,
        "relatedItemCode": entry.related_item_code,
    }


def test_scenario_query_answers_only_the_callers_live_lists(live_server, governance):
    token = trust_services.issue_access_token(governance).token
    with client_for(live_server, "app-query") as client:
        opened = client.call("/api/v1/scenarios/query", {"appId": "app-query"}, head={"accessToken": token})
        assert opened.data["total"] == 1
        (item,) = opened.data["dataList"]
        assert item["itemCode"] == "Q-001" and item["itemName"] == "企业开办"
        assert item["dataList"] == [
            {"certificateType": "居民身份证", "certificateTypeCode": "111"},
            {"certificateType": "营业执照", "certificateTypeCode": "201"},
        ]
        refused = client.call("/api/v1/scenarios/query", {"appId": "app-other"}, head={"accessToken": token}, check=False)
        assert refused.status == "1007" and "appId" in refused.message
        missing = client.call("/api/v1/scenarios/query", {}, head={"accessToken": token}, check=False)
        assert missing.status == "1007"


def test_region_may_ask_for_an_application_of_its_own_region(live_server, governance):
    with client_for(live_server, "region-sh", "region-SH") as client:
        opened = client.call("/api/v1/scenarios/query", {"appId": "app-query"})
        assert [item["itemCode"] for item in opened.data["dataList"]] == ["Q-001"]
        refused = client.call("/api/v1/scenarios/query", {"appId": "app-other"}, check=False)
        assert refused.status == "1007"
